"""The failures every backend's tests provoke for real, in one place: SIGKILL of the training child after two
finished epochs, and Stop at the first steps. Each returns the report the parent saved (it survives both)."""

import os
import signal
import threading

from dlbench_gui.core.wire import events as ev
from dlbench_gui.runner.runner import BenchmarkRunner
from tests.conftest import children_alive, tiny_config


def killed_after_two_epochs(**config):
    """A 4-epoch run whose training child is killed (SIGKILL) once its second epoch has ended."""
    pids, epochs = [], []

    def kill_after_two(e):
        if isinstance(e, ev.Hello) and e.task == "train":
            pids.append(e.pid)
        if isinstance(e, ev.EpochEnd) and e.task == "train":
            epochs.append(e.epoch)
            if len(epochs) == 2:
                os.kill(pids[0], signal.SIGKILL)

    return BenchmarkRunner(tiny_config(**{"epochs": 4, "train_samples": 128, **config}), on_event=kill_after_two,
                           telemetry=False).run()


def stopped_at_first_steps(**config):
    """(the report, whether any child outlived it): a long run stopped as soon as its first steps are reported."""
    pids = []
    stopped = threading.Event()
    holder = {}

    def stop_at_first_steps(e):
        if isinstance(e, ev.Hello):
            pids.append(e.pid)
        if isinstance(e, ev.Step) and not stopped.is_set():
            stopped.set()
            holder["runner"].stop()

    holder["runner"] = runner = BenchmarkRunner(tiny_config(**{"epochs": 20, "train_samples": 128, **config}),
                                                on_event=stop_at_first_steps, telemetry=False)
    report = runner.run()
    assert stopped.is_set(), "no step was reported before the run ended"
    return report, children_alive(pids)
