"""The reference runtime: the seam (bench/backends/base.Runtime) written in NumPy alone, no Keras and no ML framework.

It exists to show, in the tests, that a runtime which is not Keras fits the worker: driven through the real worker
child and the real wire it trains, validates, saves a checkpoint, loads it cold in a fresh process and predicts, runs
the quick profile with its estimate, and probes. Its model is a small stand-in (the 32x32x3 image pooled 4x4, then a
64-unit ReLU layer and a 10-way softmax, trained with Adam at the published settings), named as such in the report:
it measures nothing about a machine, and the registry never offers it to a user."""

from __future__ import annotations

import platform
from typing import Any

import numpy as np

from ...core.config import BenchmarkConfig
from ...core.wire.request import WorkerRequest
from .arrays import ArrayBatches
from .base import StepHooks
from . import loops

POOL, HIDDEN, CLASSES = 4, 64, 10
FEATURES = (32 // POOL) * (32 // POOL) * 3
PARAMS = ("w1", "b1", "w2", "b2")


class Model:
    def __init__(self, name: str, weights: dict[str, np.ndarray]):
        self.name, self.weights = name, weights
        self.moments: dict[str, list[np.ndarray]] = {}
        self.iterations = 0

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(the pooled features, the hidden activations, the class probabilities)."""
        n = len(x)
        f = x.reshape(n, 32 // POOL, POOL, 32 // POOL, POOL, 3).mean(axis=(2, 4)).reshape(n, FEATURES)
        h = np.maximum(f @ self.weights["w1"] + self.weights["b1"], 0.0)
        z = h @ self.weights["w2"] + self.weights["b2"]
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return f, h, p / p.sum(axis=1, keepdims=True)


class NumpyRuntime:
    name = "numpy_reference"

    def __init__(self):
        self.rng = np.random.default_rng(0)

    def start(self, request: WorkerRequest) -> dict[str, Any]:
        if request.config.distributed:
            raise RuntimeError("the reference runtime trains on one device only")
        limit = request.config.gpu_memory_limit_gb
        return {"gpu_memory_limit_gb": limit, "applied": False if limit else None}

    def software_info(self, keras_package: str) -> dict[str, Any]:
        cpu = [{"name": "CPU:0", "type": "CPU"}]
        return {"python": platform.python_version(), "numpy": np.__version__,
                "os": f"{platform.system()} {platform.release()}", "platform": platform.platform(),
                "backend": self.name, "backend_version": np.__version__, "backend_devices": cpu, "backend_gpus": [],
                "input_pipeline": "NumPy arrays in batches (bench/backends/arrays.py), reshuffled each epoch"}

    def gpu_peak_bytes(self) -> int | None:
        return None

    def sees_gpu(self) -> bool:
        return False

    def seed(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def batches(self, x, y, batch_size: int, shuffle: bool):
        return ArrayBatches(x, y, batch_size, shuffle, seed=int(self.rng.integers(2**31)))

    def strategy(self, config: BenchmarkConfig):
        return None, None

    def shard(self, config: BenchmarkConfig, batches):
        return batches

    def build(self, name: str, weights: str, strategy: Any = None) -> tuple[Model, dict[str, Any]]:
        def glorot(fan_in: int, fan_out: int) -> np.ndarray:
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            return self.rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)

        w = {"w1": glorot(FEATURES, HIDDEN), "b1": np.zeros(HIDDEN, np.float32),
             "w2": glorot(HIDDEN, CLASSES), "b2": np.zeros(CLASSES, np.float32)}
        return Model(f"{name}_reference_stand_in", w), {
            "requested": weights, "used": "random", "reason": "the reference runtime's stand-in has no pretrained weights"}

    def compile(self, model: Model, strategy: Any = None) -> None:
        model.moments = {k: [np.zeros_like(v), np.zeros_like(v)] for k, v in model.weights.items()}
        model.iterations = 0

    def describe(self, model: Model) -> dict[str, Any]:
        forward = 2 * (FEATURES * HIDDEN + HIDDEN * CLASSES)
        return {"name": model.name, "params": int(sum(v.size for v in model.weights.values())),
                "trainable_params": int(sum(v.size for v in model.weights.values())), "layers": 3,
                "precision": "float32", "jit_compile": False, "forward_flops_per_image": float(forward),
                "train_flops_per_image": float(3 * forward),
                "method": "the reference stand-in's two dense layers, counted by hand (2 FLOPs a multiply-add)"}

    def _step(self, model: Model, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """One Adam step (lr 1e-3, beta 0.9/0.999, epsilon 1e-7) on categorical cross-entropy; the probabilities."""
        f, h, p = model.forward(x)
        dz = (p - y) / len(x)
        dh = (dz @ model.weights["w2"].T) * (h > 0)
        grads = {"w2": h.T @ dz, "b2": dz.sum(0), "w1": f.T @ dh, "b1": dh.sum(0)}
        model.iterations += 1
        t = model.iterations
        for k in PARAMS:
            m, v = model.moments[k]
            m *= 0.9
            m += 0.1 * grads[k]
            v *= 0.999
            v += 0.001 * grads[k] ** 2
            lr = 1e-3 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
            model.weights[k] -= (lr * m / (np.sqrt(v) + 1e-7)).astype(np.float32)
        return p

    def fit(self, model: Model, train, epochs: int, hooks: StepHooks, validation: Any = None) -> dict[str, float]:
        return loops.fit(lambda x, y: (self._step(model, x, y), y, None), self._infer(model), train, epochs, hooks,
                         validation)

    def evaluate(self, model: Model, batches, hooks: StepHooks) -> dict[str, float]:
        return loops.evaluate(self._infer(model), batches, hooks)

    @staticmethod
    def _infer(model: Model) -> loops.Step:
        return lambda x, y: (model.forward(x)[2], y, None)

    def predict(self, model: Model, batches) -> np.ndarray:
        return np.concatenate([model.forward(b[0])[2] for b in batches])

    def save(self, model: Model, path: str) -> None:
        with open(path, "wb") as f:  # a file object: np.savez would otherwise add ".npz" to the name
            np.savez(f, name=np.array(model.name), iterations=np.array(model.iterations), **model.weights,
                     **{f"{k}_m": m for k, (m, _) in model.moments.items()},
                     **{f"{k}_v": v for k, (_, v) in model.moments.items()})

    def load(self, path: str) -> Model:
        with np.load(path, allow_pickle=False) as z:
            model = Model(str(z["name"]), {k: z[k].copy() for k in PARAMS})
            model.moments = {k: [z[f"{k}_m"].copy(), z[f"{k}_v"].copy()] for k in PARAMS}
            model.iterations = int(z["iterations"])
        return model

    def snapshot(self, model: Model) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in model.weights.items()}

    def restore(self, model: Model, snapshot: dict[str, np.ndarray]) -> None:
        model.weights = {k: v.copy() for k, v in snapshot.items()}
        self.compile(model)
