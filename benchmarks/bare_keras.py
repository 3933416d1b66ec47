"""The bare script the harness is measured against: build Model A, fit on synthetic data, no dlbench code on the path
of a training step. Prints the steady seconds per step of the second epoch (the first carries the tracing).

It feeds `fit` the same input pipeline as dlbench (Keras' array pipeline with tf.data autotuning off, see
docs/benchmarks.md, "The epoch-boundary stall"): with Keras' default pipeline the timed fit can start with
the stall left by the first fit's iterator, which is TensorFlow's cost, not the harness's."""

import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import keras  # noqa: E402,F401  (TensorFlow and Keras loaded before anything is timed)

from dlbench_gui.bench.backends.tensorflow import pipeline  # noqa: E402  (same input pipeline)
from dlbench_gui.bench.models import build_model, compile_model  # noqa: E402  (same layers, same compile)

steps = int(sys.argv[1])
batch = 64
n = steps * batch
rng = np.random.default_rng(0)
x = rng.random((n, 32, 32, 3), dtype=np.float32)
y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
model = build_model(sys.argv[2] if len(sys.argv) > 2 else "model_a")
compile_model(model)
data = pipeline(x, y, batch, shuffle=True)
model.fit(data, epochs=1, verbose=0, shuffle=False)
t = time.perf_counter()
model.fit(data, epochs=1, verbose=0, shuffle=False)
print(json.dumps({"steady_step_s": (time.perf_counter() - t) / steps}))
