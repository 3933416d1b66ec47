"""The bare script the harness is measured against: build Model A, fit on synthetic data, no dlbench code on the path
of a training step. Prints the steady seconds per step of the second epoch (the first carries the tracing)."""

import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import keras  # noqa: E402

from dlbench_gui.bench.models import build_model, compile_model  # noqa: E402  (same layers, same compile)

steps = int(sys.argv[1])
batch = 64
n = steps * batch
rng = np.random.default_rng(0)
x = rng.random((n, 32, 32, 3), dtype=np.float32)
y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
model = build_model(sys.argv[2] if len(sys.argv) > 2 else "model_a")
compile_model(model)
model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=True)
t = time.perf_counter()
model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=True)
print(json.dumps({"steady_step_s": (time.perf_counter() - t) / steps}))
