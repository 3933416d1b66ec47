"""The TensorFlow backend: devices, memory, the tf.data input pipeline, tf.distribute and TensorFlow's version facts.
The one module of the worker that imports TensorFlow at run time (with `tf_distribute`, its multi-device part)."""

from __future__ import annotations

import importlib
import os
import platform
import sys
from typing import Any

from ...core.config import BenchmarkConfig
from ...core.wire.request import WorkerRequest
from . import tf_distribute
from .keras_runtime import KerasRuntime

PIPELINE = ("tf.data over the arrays as tensors: batches of indices gathered, as Keras' own array pipeline does, "
            "reshuffled every epoch by tf.data's shuffle (also under the run's seed), partial last batch kept, "
            "autotuning off")


def apply_gpu_memory_limit(tf, limit_gb: float | None) -> dict[str, Any]:
    gpus = tf.config.list_physical_devices("GPU")
    if limit_gb is None or not gpus:
        return {"gpu_memory_limit_gb": limit_gb, "applied": False if limit_gb else None}
    mb = int(limit_gb * 1024)
    for gpu in gpus:
        tf.config.set_logical_device_configuration(gpu, [tf.config.LogicalDeviceConfiguration(memory_limit=mb)])
    return {"gpu_memory_limit_gb": limit_gb, "applied": True, "gpus": len(gpus)}


def software_info(tf, keras_package: str = "keras") -> dict[str, Any]:
    import keras
    import numpy as np

    try:
        build = {k: str(v) for k, v in tf.sysconfig.get_build_info().items()}
    except Exception:  # not every build has it
        build = {}
    devices = [{"name": d.name, "type": d.device_type} for d in tf.config.list_physical_devices()]
    gpu_details = []
    for d in tf.config.list_physical_devices("GPU"):
        try:
            gpu_details.append({"name": d.name, **{k: str(v) for k, v in tf.config.experimental.get_device_details(d).items()}})
        except Exception:
            gpu_details.append({"name": d.name})
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        **({"keras_package": keras_package, "tf_keras": importlib.import_module(keras_package).__version__}
           if keras_package != "keras" else {}),
        "numpy": np.__version__,
        "os": f"{platform.system()} {platform.release()}",
        "platform": platform.platform(),
        "backend": "tensorflow",
        "backend_version": tf.__version__,
        "backend_devices": devices,
        "backend_gpus": gpu_details,
        "tf_devices": devices,  # the names reports had before there was a second backend (older readers)
        "tf_gpus": gpu_details,
        "tf_build": build,
        "tf_built_with_cuda": bool(tf.test.is_built_with_cuda()),
        "input_pipeline": PIPELINE,
    }


def pipeline(x, y, batch_size: int, shuffle: bool):
    """What `model.fit(x, y, batch_size=…, shuffle=…)` builds internally (the arrays as tensors, batches of indices
    gathered, the partial last batch kept), with tf.data autotuning switched off and a new order every epoch.

    Why: with autotuning on (Keras' default), destroying an epoch's exhausted iterator waits for tf.data's
    autotune thread to wake from its sleep, so each epoch after the first starts with an idle stall — 8–9 s
    per boundary with 30 s epochs on the development machine, growing with epoch length, zero CPU used
    (`benchmarks/epoch_effect.py` measures it in bare Keras: first step of epoch 2 8.2 s with autotuning on,
    0.31 s with it off; steady steps equal). That stall is TensorFlow's software, not the machine, and would
    make the execution time depend on timer phase rather than hardware.

    Why not Keras' own adapter (ArrayDataAdapter): its permutation is a `tf.random.shuffle` inside a `map`, whose
    random state starts again from the global seed with every new iterator, so once the run's seed is set (as every
    run sets it) each epoch repeats the first epoch's order (tensorflow/tensorflow#26179, #29558; measured here, and
    tests/integration/test_pipeline.py checks it with a seed set). tf.data's own shuffle with
    `reshuffle_each_iteration` keeps its state across epochs: a new order every epoch, the same orders for the same
    seed.
    """
    import tensorflow as tf

    tensors = tuple(tf.convert_to_tensor(a) for a in ((x,) if y is None else (x, y)))
    indices = tf.data.Dataset.range(len(x))
    if shuffle:
        indices = indices.shuffle(len(x), reshuffle_each_iteration=True)
    dataset = indices.batch(batch_size).map(lambda i: tuple(tf.gather(t, i) for t in tensors))
    options = tf.data.Options()
    options.autotune.enabled = False
    # Told its length, Keras stops each epoch exactly at its last batch (unknown, it overruns by a step and miscounts
    # the metrics of that epoch).
    batches = -(-len(x) // batch_size)
    return dataset.with_options(options).apply(tf.data.experimental.assert_cardinality(batches))


def to_model_input_tf(images, chunk: int = 10_000):
    """What the published code did, through tf.image.resize: kept to check bench.datasets.to_model_input against."""
    import numpy as np
    import tensorflow as tf

    out = np.empty((len(images), 32, 32, 3), dtype=np.float32)
    for start in range(0, len(images), chunk):
        block = images[start:start + chunk].astype(np.float32)[..., None] / 255.0
        resized = tf.image.resize(block, (32, 32), method="bilinear").numpy()
        out[start:start + chunk] = np.clip(resized, 0.0, 1.0)  # broadcasts the one gray channel to three
    return out


def to_model_input_loop(images):
    """The original's way — one image at a time — kept only so the benchmark can compare it."""
    import numpy as np
    import tensorflow as tf

    out = []
    for img in images:
        r = tf.image.resize(img.astype(np.float32)[..., None] / 255.0, (32, 32), method="bilinear").numpy()
        out.append(np.repeat(np.clip(r, 0.0, 1.0), 3, axis=-1))
    return np.stack(out)


def profiler_forward_flops(model, batch: int = 1) -> float:
    """TensorFlow's own graph profiler count of the forward pass per image (slow for Model B; tests use A)."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    fn = tf.function(lambda x: model(x, training=False))
    concrete = fn.get_concrete_function(tf.TensorSpec((batch, 32, 32, 3), tf.float32))
    frozen = convert_variables_to_constants_v2(concrete)
    opts = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    opts["output"] = "none"
    info = tf.compat.v1.profiler.profile(graph=frozen.graph, run_meta=tf.compat.v1.RunMetadata(), cmd="op", options=opts)
    return float(info.total_float_ops) / batch


class TensorFlowBackend(KerasRuntime):
    name = "tensorflow"

    def __init__(self):
        super().__init__()
        self.tf = None

    def start(self, request: WorkerRequest) -> dict[str, Any]:
        config = request.config
        self.keras_package = request.keras_package
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
        os.environ["KERAS_BACKEND"] = "tensorflow"  # before Keras is first imported
        import tensorflow as tf

        self.tf = tf
        if request.task == "train":
            tf_distribute.configure_devices(tf, config)  # before anything initialises TensorFlow's devices
        limit = apply_gpu_memory_limit(tf, config.gpu_memory_limit_gb)
        # Keras' own mixed precision: every layer computes in the policy's dtype, the output layer stays float32
        # (bench/models.py), variables stay float32; float32 is the published protocol.
        importlib.import_module(request.keras_package).mixed_precision.set_global_policy(config.precision)
        return limit

    def software_info(self, keras_package: str) -> dict[str, Any]:
        return software_info(self.tf, keras_package)

    def gpu_peak_bytes(self) -> int | None:
        tf, peaks = self.tf, []
        for i, _ in enumerate(tf.config.list_logical_devices("GPU")):
            try:
                peaks.append(tf.config.experimental.get_memory_info(f"GPU:{i}")["peak"])
            except Exception:
                pass
        return max(peaks) if peaks else None

    def sees_gpu(self) -> bool:
        tf = sys.modules.get("tensorflow")
        try:
            return bool(tf is not None and tf.config.list_physical_devices("GPU"))
        except Exception:
            return False

    def batches(self, x, y, batch_size: int, shuffle: bool):
        return pipeline(x, y, batch_size, shuffle)

    def strategy(self, config: BenchmarkConfig):
        strategy = tf_distribute.make_strategy(self.tf, config)
        facts = tf_distribute.strategy_facts(strategy, config)
        if config.cluster:
            facts["cluster_run"] = tf_distribute.shared_run_id(self.tf, strategy, int.from_bytes(os.urandom(6), "big"))
        return strategy, facts

    def shard(self, config: BenchmarkConfig, dataset):
        return tf_distribute.shard_by_data(self.tf, dataset) if config.cluster else dataset
