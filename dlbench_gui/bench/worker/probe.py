"""The `probe` task: a few real training steps at one batch size (does it fit in memory? the largest-batch finder)."""

from __future__ import annotations

from ...core.wire.request import ProbePayload
from .job import Job
from .timing import make_timing_callback


def peak_rss_bytes() -> int:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    except Exception:
        import psutil

        return psutil.Process().memory_info().rss


def run_probe(job: Job) -> ProbePayload:
    import numpy as np

    from .. import models

    config, steps = job.config, job.request.steps
    job.emitter.phase("building")
    model, _weights = models.build_with_weights(config.model, config.weights)
    models.compile_model(model)
    job.emitter.phase("probing")
    rng = np.random.default_rng(0)
    n = config.batch_size * steps
    x = rng.random((n, 32, 32, 3), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    cb = make_timing_callback(job.keras(), job.emitter, job.control.stopped, epochs=1, steps_per_epoch=steps)
    model.fit(x, y, batch_size=config.batch_size, epochs=1, verbose=0, callbacks=[cb])
    return ProbePayload(probe={"batch_size": config.batch_size, "steps": steps, "peak_rss_bytes": peak_rss_bytes(),
                               "gpu_peak_bytes": job.backend.gpu_peak_bytes(), "step_times_s": cb.step_times[0]})
