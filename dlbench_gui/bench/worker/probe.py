"""The `probe` task: a few real training steps at one batch size (does it fit in memory? the largest-batch finder)."""

from __future__ import annotations

from ...core.wire.request import ProbePayload
from .job import Job
from .timing import make_timing_hooks


def peak_rss_bytes() -> int:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    except Exception:
        import psutil

        return psutil.Process().memory_info().rss


def run_probe(job: Job) -> ProbePayload:
    import numpy as np

    config, steps, runtime = job.config, job.request.steps, job.runtime
    job.emitter.phase("building")
    model, _weights = runtime.build(config.model, config.weights)
    runtime.compile(model)
    job.emitter.phase("probing")
    rng = np.random.default_rng(0)
    n = config.batch_size * steps
    x = rng.random((n, 32, 32, 3), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    cb = make_timing_hooks(job.emitter, job.control.stopped, epochs=1, steps_per_epoch=steps)
    runtime.fit(model, job.batches(x, y, config.batch_size, shuffle=True), 1, cb)
    return ProbePayload(probe={"batch_size": config.batch_size, "steps": steps, "peak_rss_bytes": peak_rss_bytes(),
                               "gpu_peak_bytes": runtime.gpu_peak_bytes(), "step_times_s": cb.step_times[0]})
