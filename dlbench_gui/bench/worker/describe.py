"""The `describe` task: both models built, their parameters, layers and FLOPs counted (`dlbench models`)."""

from __future__ import annotations

from ...core.wire.request import ModelsPayload
from .job import Job

FACTS = ("params", "layers", "trainable_params", "forward_flops_per_image", "train_flops_per_image", "method")


def run_model_facts(job: Job) -> ModelsPayload:
    from ...core.config import MODELS

    out = {}
    for name in MODELS:  # the two published models (the simple kernels' network is not one of them)
        job.emitter.phase("building", extra={"model": name})
        model, _weights = job.runtime.build(name, "random")
        facts = job.runtime.describe(model)
        out[name] = {k: facts[k] for k in FACTS if k in facts}
    return ModelsPayload(models=out)
