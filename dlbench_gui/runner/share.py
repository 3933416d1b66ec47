"""One training process and one inference process per model for a quick run of several datasets.

MNIST and Fashion-MNIST have identical shapes, so a quick run of both datasets of one model can build the model,
trace its graphs, save its checkpoint and load it cold once, then measure each dataset's own steady steps,
validation sample and prediction sample in turn. The reports stay one per model and dataset (each says what it
shared: `timing.shared`, `estimate.inputs.shared`); the full and custom profiles keep a process per benchmark, as
published, and so do repeats (`--repeat` runs must stay independent) and distributed runs.

A session makes one `Sharing` from its plan (core/plan.py: each planned run's group, datasets and position) and hands
it to every BenchmarkRunner, which takes its place by its planned run's index. The first runner of a
group starts each child with the group's datasets; when the child has sent its Result for that runner's dataset it
is kept here, waiting, and the next runner of the group takes it over (it says "next" on the child's stdin). A child
that failed or ended is never kept: the next runner then starts its own."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

from ..core.plan import SessionPlan
from ..core.wire import events as ev
from ..core.wire.request import WorkerRequest
from .checkpoints import remove_checkpoints
from .child import ChildProcess


@dataclasses.dataclass
class Place:
    """One run's place in its group: the group's datasets (in run order) and this run's index among them."""
    group: int
    datasets: list[str]
    position: int

    @property
    def shared(self) -> bool:
        return len(self.datasets) > 1

    @property
    def last(self) -> bool:
        return self.position == len(self.datasets) - 1

    @property
    def remaining(self) -> list[str]:
        return self.datasets[self.position:]


class Sharing:
    def __init__(self, plan: SessionPlan):
        self._places = [Place(r.share_group, list(r.share_datasets), r.share_position) for r in plan.runs]
        self._kept: dict[tuple[int, str], ChildProcess] = {}  # (group, task) -> a child waiting for "next"
        self.checkpoints: dict[int, str] = {}  # group -> where its training child saved the model
        self.logs: dict[int, str] = {}  # group -> the log its children write (the first run's)
        self._lock = threading.Lock()

    def place(self, index: int, dataset: str) -> Place:
        """The place of planned run `index` (a run outside the plan runs alone)."""
        if 0 <= index < len(self._places):
            return self._places[index]
        return Place(-1, [dataset], 0)

    def take(self, place: Place, task: str) -> ChildProcess | None:
        """The group's child for `task`, told to go on with this run's dataset; None if none is waiting (the first
        run of the group, or the child ended): the runner starts its own."""
        with self._lock:
            child = self._kept.pop((place.group, task), None)
        if child is None or child.poll() is not None:
            if child is not None:
                child.close()
            return None
        child.last_event_at = time.monotonic()  # the watchdog counts from now
        child.send(ev.NEXT_COMMAND)
        return child

    def shared_request(self, place: Place, request: WorkerRequest, log: str) -> WorkerRequest:
        """A fresh child's request in a group: the group's datasets still to come, and the group's one checkpoint
        (where its training child saves it, and its inference child loads it from)."""
        with self._lock:
            self.logs.setdefault(place.group, log)
            if request.task == "train":
                self.checkpoints[place.group] = path = request.checkpoint_path
            else:
                path = self.checkpoints.get(place.group, request.checkpoint_path)
        return dataclasses.replace(request, datasets=tuple(place.remaining), checkpoint_path=path)

    def keep(self, place: Place, task: str, child: ChildProcess) -> bool:
        """Keep a child for the next run of the group; False when there is none (the caller ends the child)."""
        if place.last or not place.shared or child.poll() is not None:
            return False
        with self._lock:
            self._kept[(place.group, task)] = child
        return True

    def close(self) -> None:
        """End every kept child (a session stopped or ended early) and remove the groups' checkpoints."""
        with self._lock:
            kept, self._kept = list(self._kept.values()), {}
            checkpoints, self.checkpoints = list(self.checkpoints.values()), {}
        for child in kept:
            child.stop(grace_s=2.0, term_s=2.0)
        for path in checkpoints:
            remove_checkpoints(Path(path).parent)

    def release(self, place: Place, run_dir: Path, keep: bool = False) -> bool:
        """At the end of a run: may the runner remove the checkpoint in its folder? Not while later runs of its group
        may still need it (a fresh inference child after a kept one ended); the group's last run removes it, unless
        the checkpoint is to be kept (--keep-checkpoint)."""
        with self._lock:
            path = self.checkpoints.get(place.group) if place.shared else None
            if path is not None and place.last:
                del self.checkpoints[place.group]
        if path is None:
            return True
        if place.last and not keep:
            remove_checkpoints(Path(path).parent)
            return True
        return Path(path).parent != Path(run_dir)
