"""The `describe` task: both models built, their parameters, layers and FLOPs counted (`dlbench models`)."""

from __future__ import annotations

import math

from ...core.wire.request import ModelsPayload
from .job import Job


def run_model_facts(job: Job) -> ModelsPayload:
    from ...core.config import MODELS
    from .. import flops, models

    out = {}
    for name in MODELS:  # the two published models (the simple kernels' network is not one of them)
        job.emitter.phase("building", extra={"model": name})
        m = models.build_model(name)
        out[name] = {"params": int(m.count_params()), "layers": len(list(flops._layers(m))),
                     "trainable_params": int(sum(int(math.prod(w.shape)) for w in m.trainable_weights)),
                     **flops.count(m)}
    return ModelsPayload(models=out)
