"""The bare script the harness is measured against: build Model A, fit on synthetic data, no dlbench code on the path
of a training step. Prints the steady seconds per step of the second epoch (the first carries the tracing).

    python benchmarks/bare_keras.py STEPS [model_a|model_b] [tensorflow|jax]

On TensorFlow it feeds `fit` the same input pipeline as dlbench (Keras' array pipeline with tf.data autotuning off,
see docs/benchmarks.md, "The epoch-boundary stall"): with Keras' default pipeline the timed fit can start with the
stall left by the first fit's iterator, which is TensorFlow's cost, not the harness's. On JAX it hands `fit` the
arrays (Keras' own NumPy iterator), and the timed fit ends when its last step's results are ready."""

import json
import os
import sys
import time

import numpy as np

BACKEND = sys.argv[3] if len(sys.argv) > 3 else "tensorflow"
os.environ["KERAS_BACKEND"] = BACKEND  # before Keras is first imported
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import keras  # noqa: E402,F401  (the framework and Keras loaded before anything is timed)

from dlbench_gui.bench.models import build_model, compile_model  # noqa: E402  (same layers, same compile)

steps = int(sys.argv[1])
batch = 64
n = steps * batch
rng = np.random.default_rng(0)
x = rng.random((n, 32, 32, 3), dtype=np.float32)
y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
model = build_model(sys.argv[2] if len(sys.argv) > 2 else "model_a")
compile_model(model)
if BACKEND == "tensorflow":
    from dlbench_gui.bench.backends.tensorflow import pipeline  # noqa: E402  (same input pipeline)

    data = pipeline(x, y, batch, shuffle=True)
    fit = {"x": data}
else:
    fit = {"x": x, "y": y, "batch_size": batch}
model.fit(**fit, epochs=1, verbose=0, shuffle=False)
t = time.perf_counter()
history = model.fit(**fit, epochs=1, verbose=0, shuffle=False)
float(history.history["loss"][-1])  # the last step's loss is computed: on JAX nothing is left in flight
print(json.dumps({"steady_step_s": (time.perf_counter() - t) / steps, "backend": BACKEND}))
