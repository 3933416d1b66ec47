"""The `infer` task: cold inference in a fresh process (load the saved model, then predict the test set)."""

from __future__ import annotations

import os
import time

from ...core.measure import quick_policy as policy
from ...core.measure import stats
from ...core.wire.request import InferPayload
from .job import Job, prepare_data


class ModelLoadError(RuntimeError):
    """The saved model for inference is missing or corrupt."""


def run_inference(job: Job) -> InferPayload:
    """On one device, as published, also after a distributed training. A quick run's datasets of one model share
    the process: one cold load, then a prediction sample of each dataset (a Result each; the child waits for "next"
    between them)."""
    config = job.config
    data, data_prep_s, data_info = prepare_data(job, config, test_only=True)
    model, load_s = load_model(job, job.request.checkpoint_path)
    if config.profile != "quick":
        job.emitter.phase("predicting")
        bs = config.inference_batch_size
        t = time.perf_counter()
        pred = job.runtime.predict(model, job.batches(data.x_test, None, bs, shuffle=False))
        predict_s = time.perf_counter() - t
        accuracy = float((pred.argmax(1) == data.y_test.argmax(1)).mean())
        return InferPayload(inference={"load_s": load_s, "predict_s": predict_s, "total_s": load_s + predict_s,
                                       "images": int(len(data.x_test)), "batch_size": bs, "accuracy": accuracy},
                            data_prep_s=data_prep_s, data=data_info)
    names, first = job.request.dataset_names, None
    for i, name in enumerate(names):
        if i:
            job.control.wait_for_next()
            data, data_prep_s, data_info = prepare_data(job, job.config_for(name), test_only=True)
        inference = {**predict_sample(job, model, data.x_test, config.inference_batch_size), "load_s": load_s}
        if first is None:
            first = {**inference, "dataset": name}
        else:  # loaded once; the prediction graph traced once, with the first dataset
            inference = policy.shared_inference(inference, first)
        inference["total_s"] = load_s + inference["predict_s"]
        result = InferPayload(inference=inference, data_prep_s=data_prep_s, data=data_info, dataset=name)
        if i < len(names) - 1:
            job.emitter.emit(result.event())
    return result


def load_model(job: Job, path: str):
    """(the saved model, cold load seconds)."""
    if not path or not os.path.isfile(path):
        raise ModelLoadError(f"saved model not found: {path}")
    job.emitter.phase("loading")
    t = time.perf_counter()
    try:
        model = job.runtime.load(path)
    except Exception as exc:
        raise ModelLoadError(f"saved model {path} cannot be loaded: {str(exc).splitlines()[0][:300]}") from exc
    load_s = time.perf_counter() - t
    job.control.check()
    return model, load_s


def predict_sample(job: Job, model, x, bs: int) -> dict:
    """Quick: the first batch (tracing, in a fresh process) alone, then a few chunks of steady batches for a mean
    and its spread."""
    job.emitter.phase("predicting")
    t = time.perf_counter()
    job.runtime.predict(model, job.batches(x[:bs], None, bs, shuffle=False))
    first_batch_s = time.perf_counter() - t
    per_image: list[float] = []
    predicted = min(len(x), bs)
    chunk = policy.QUICK_PREDICT_CHUNK_BATCHES * bs
    rest_s = 0.0
    for start in range(bs, min(len(x), bs + policy.QUICK_PREDICT_CHUNKS * chunk), chunk):
        part = x[start:start + chunk]
        if len(part) < chunk:  # a short chunk would retrace for its odd shape and spoil the steady figure
            break
        job.control.check()
        t = time.perf_counter()
        job.runtime.predict(model, job.batches(part, None, bs, shuffle=False))
        dt = time.perf_counter() - t
        rest_s += dt
        per_image.append(dt / len(part))
        predicted += len(part)
    return {"predict_s": first_batch_s + rest_s, "images": int(predicted), "batch_size": bs,
            "first_batch_s": first_batch_s, "steady_s_per_image": stats.mean(per_image) if per_image else None,
            "steady_s_per_image_samples": per_image, "note": "quick profile: a sample of the test set was predicted"}
