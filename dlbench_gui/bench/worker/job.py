"""What every task is handed: the request, the wire out, the parent's commands in, and the runtime (the framework
behind the seam, bench/backends/base.Runtime)."""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass
from typing import Any

from ...core.config import BenchmarkConfig
from ...core.measure import quick_policy
from ...core.view.words import weights_words
from ...core.wire import events as ev
from ...core.wire.request import WorkerRequest
from .. import datasets
from ..backends.base import Runtime
from .wire import Control, Emitter


@dataclass
class Job:
    request: WorkerRequest
    emitter: Emitter
    control: Control
    runtime: Runtime

    @property
    def config(self) -> BenchmarkConfig:
        return self.request.config

    def config_for(self, dataset: str) -> BenchmarkConfig:
        """The request's configuration for one of a shared child's datasets (the same run on another dataset)."""
        if dataset == self.config.dataset:
            return self.config
        return dataclasses.replace(self.config, dataset=dataset)

    def batches(self, x, y, batch_size: int, shuffle: bool):
        return self.runtime.batches(x, y, batch_size, shuffle)


def prepare_data(job: Job, config: BenchmarkConfig, test_only: bool = False):
    """(the prepared arrays, seconds, the report's `data`), the phase and the data source said on the wire."""
    job.emitter.phase("preparing_data")
    t = time.perf_counter()
    limits = (quick_policy.data_limits(config.batch_size, config.inference_batch_size)
              if config.profile == "quick" else {})
    data = datasets.prepare(config, test_only=test_only, **limits)
    data_prep_s = time.perf_counter() - t
    data_info = {"source": data.source, "origin": data.origin, "sha256": data.sha256,
                 "synthetic": data.source == "synthetic", "attempts": list(data.attempts)}
    job.emitter.emit(ev.Log(message=f"data: {data.origin}", data=data_info, extra={"data_prep_s": data_prep_s}))
    return data, data_prep_s, data_info


def save_checkpoint(job: Job, model, path: str) -> float:
    job.emitter.phase("saving")
    t = time.perf_counter()
    tmp = path + ".tmp.keras"  # the name ends as Keras wants it; every runtime writes exactly the path it is given
    job.runtime.save(model, tmp)
    os.replace(tmp, path)  # a crash mid-save leaves the previous best checkpoint intact
    return time.perf_counter() - t


def say_weights(job: Job, weights: dict[str, Any]) -> None:
    job.emitter.emit(ev.Log(message=weights_words(weights), kind="weights"))
