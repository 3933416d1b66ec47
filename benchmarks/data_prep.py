"""Preparing 70,000 images (28x28 uint8 -> 32x32x3 float32), side by side in one run: dlbench's NumPy preparation
(the one every backend uses), TensorFlow's vectorised tf.image.resize (what it replaced), and the original's
per-image loop; rounds alternate, and all three must give the same tensors."""

import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from dlbench_gui.bench.backends.tensorflow import to_model_input_loop, to_model_input_tf  # noqa: E402
from dlbench_gui.bench.datasets import to_model_input  # noqa: E402

N = int(os.environ.get("N", 70_000))
ROUNDS = int(os.environ.get("ROUNDS", 3))
images = np.random.default_rng(0).integers(0, 256, (N, 28, 28), dtype=np.uint8)
to_model_input_tf(images[:100])  # load TensorFlow's kernels before timing any


def timed(fn):
    t = time.perf_counter()
    out = fn(images)
    return time.perf_counter() - t, out


rounds = []
for i in range(ROUNDS):
    order = [("numpy", to_model_input), ("tf_vectorised", to_model_input_tf)]
    got = dict((name, timed(fn)) for name, fn in (order if i % 2 == 0 else order[::-1]))
    assert np.abs(got["numpy"][1] - got["tf_vectorised"][1]).max() < 1e-6, "NumPy and TensorFlow must agree"
    rounds.append({k: round(v[0], 3) for k, v in got.items()})
    print(f"round {i + 1}: " + ", ".join(f"{k} {v} s" for k, v in rounds[-1].items()), flush=True)
t_loop, loop = timed(to_model_input_loop)
assert np.allclose(got["numpy"][1], loop, atol=1e-6), "the loop must give the same tensors"
med = {k: sorted(r[k] for r in rounds)[len(rounds) // 2] for k in rounds[0]}
print(json.dumps({"images": N, "rounds": rounds, "numpy_median_s": med["numpy"],
                  "tf_vectorised_median_s": med["tf_vectorised"], "numpy_over_tf": round(med["numpy"] / med["tf_vectorised"], 3),
                  "per_image_loop_s": round(t_loop, 2), "same_tensors": True}))
