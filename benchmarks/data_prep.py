"""Preparing 70,000 images (28x28 uint8 -> 32x32x3 float32): vectorised, against a per-image loop, in one run."""

import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from dlbench_gui.bench.datasets import to_model_input, to_model_input_loop  # noqa: E402

N = int(os.environ.get("N", 70_000))
images = np.random.default_rng(0).integers(0, 256, (N, 28, 28), dtype=np.uint8)
to_model_input(images[:100])  # load TensorFlow's kernels before timing either
t = time.perf_counter()
vec = to_model_input(images)
t_vec = time.perf_counter() - t
t = time.perf_counter()
loop = to_model_input_loop(images)
t_loop = time.perf_counter() - t
assert np.allclose(vec, loop, atol=1e-6), "the two preparations must give the same tensors"
print(json.dumps({"images": N, "vectorised_s": round(t_vec, 2), "per_image_loop_s": round(t_loop, 2),
                  "speedup": round(t_loop / t_vec, 1), "same_tensors": True}))
