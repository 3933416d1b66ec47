"""Native PyTorch as a runtime (bench/backends/base.Runtime): the published models written in PyTorch
(`torch_models.py`), trained eagerly as most PyTorch code runs, on the device PyTorch can drive here: an NVIDIA GPU
(CUDA), an AMD GPU (ROCm, through the same `torch.cuda` API), Apple silicon (MPS), an Intel GPU (XPU), or the CPU.
No Keras, TensorFlow or JAX is imported in a PyTorch worker (an import hook refuses them). The one module of the worker
that imports torch at run time, with `torch_models.py`."""

from __future__ import annotations

import contextlib
import os
import platform
import sys
from typing import Any

import numpy as np

from ...core.config import BenchmarkConfig
from ...core.wire.request import WorkerRequest
from . import loops
from . import torch_distributed as distributed
from .arrays import ArrayBatches
from .base import StepHooks

PIPELINE = ("NumPy arrays in batches (index gather, reshuffled each epoch, partial last batch kept), each batch "
            "made NCHW and copied to the device as it is taken: no DataLoader worker processes")
OTHER_FRAMEWORKS = ("tensorflow", "tf_keras", "keras", "jax", "jaxlib")
CLIP = 1e-7  # Keras' categorical cross-entropy clips probabilities to [1e-7, 1 - 1e-7]


class Refused:
    """The loader of a refused framework: importing it fails as if it were not installed."""

    def create_module(self, spec):
        raise ModuleNotFoundError(f"No module named {spec.name!r} (a PyTorch worker loads no other framework)",
                                  name=spec.name)

    def exec_module(self, module):
        raise ModuleNotFoundError(f"No module named {module.__name__!r}")


class WithoutOtherFrameworks:
    """An import hook: a PyTorch worker never imports TensorFlow, tf_keras, Keras or JAX, even where they are installed
    (what a PyTorch result measures is PyTorch alone). A refused name is found with no origin, so that
    `importlib.util.find_spec`, which PyTorch's compiler calls for well-known libraries, sees nothing there, and an
    import of it fails."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in OTHER_FRAMEWORKS:
            import importlib.machinery

            return importlib.machinery.ModuleSpec(name, Refused(), origin=None)
        return None


def pick_device(torch) -> str:
    """cuda (NVIDIA, or AMD through ROCm), else mps (Apple silicon), else xpu (Intel), else cpu."""
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    if hasattr(torch, "xpu") and torch.xpu.is_available():
        return "xpu"
    return "cpu"


def device_facts(torch, device: str) -> list[dict[str, Any]]:
    if device == "cuda":
        kind = "ROCm" if torch.version.hip else "CUDA"
        return [{"name": f"cuda:{i}", "type": "GPU", "kind": torch.cuda.get_device_name(i), "api": kind}
                for i in range(torch.cuda.device_count())]
    if device == "mps":
        return [{"name": "mps:0", "type": "GPU", "kind": "Apple silicon (Metal)", "api": "MPS"}]
    if device == "xpu":
        return [{"name": f"xpu:{i}", "type": "GPU", "kind": torch.xpu.get_device_name(i), "api": "XPU"}
                for i in range(torch.xpu.device_count())]
    return [{"name": "cpu", "type": "CPU", "kind": platform.processor() or platform.machine()}]


class TorchBatches(ArrayBatches):
    """The same batches as every runtime's (bench/backends/arrays.py), as (x NCHW on the device, y on the host)."""

    device = "cpu"

    def __getitem__(self, i: int):
        import torch

        xy = super().__getitem__(i)
        x = torch.from_numpy(xy[0]).permute(0, 3, 1, 2).contiguous().to(self.device)
        return x, (xy[1] if len(xy) > 1 else None)


class TorchRuntime:
    name = "torch"

    def __init__(self):
        self.torch = None
        self.group = None  # the process group of a run over several devices or machines (torch.distributed)
        self.rank, self.world = 0, 1
        self.compiled = False  # --compile: every forward through torch.compile (a labelled variant)
        self.forwards: dict[int, Any] = {}  # id(model) -> its compiled module
        self.device = "cpu"
        self.precision = "float32"
        self.rng = np.random.default_rng(0)
        self.optimizers: dict[int, Any] = {}
        self.scaler = None

    # ------------------------------------------------------------------ the process
    def start(self, request: WorkerRequest) -> dict[str, Any]:
        config = request.config
        sys.meta_path.insert(0, WithoutOtherFrameworks())
        import torch

        self.torch = torch
        self.device = pick_device(torch)
        self.precision = config.precision
        self.compiled = config.compile
        if config.distributed and request.task == "train":  # one process per machine, or per device of this one
            self.group, self.rank, self.world = distributed.join_run(torch, request, self.device)
        return self._memory_limit(config.gpu_memory_limit_gb)

    def _memory_limit(self, limit_gb: float | None) -> dict[str, Any]:
        """`--gpu-memory-limit` as PyTorch's per-process memory fraction (CUDA/ROCm and MPS), recorded."""
        torch = self.torch
        if limit_gb is None:
            return {"gpu_memory_limit_gb": None, "applied": None}
        if self.device == "cuda":
            total = torch.cuda.get_device_properties(0).total_memory
            fraction = min(1.0, limit_gb * 2**30 / total)
            torch.cuda.set_per_process_memory_fraction(fraction, 0)
            return {"gpu_memory_limit_gb": limit_gb, "applied": True, "how": {"memory_fraction": round(fraction, 4)}}
        if self.device == "mps":
            total = torch.mps.recommended_max_memory()
            fraction = min(2.0, limit_gb * 2**30 / total)
            torch.mps.set_per_process_memory_fraction(fraction)
            return {"gpu_memory_limit_gb": limit_gb, "applied": True, "how": {"memory_fraction": round(fraction, 4)}}
        return {"gpu_memory_limit_gb": limit_gb, "applied": False}

    def software_info(self, keras_package: str) -> dict[str, Any]:
        torch = self.torch
        devices = device_facts(torch, self.device)
        cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
        return {
            "python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
            "os": f"{platform.system()} {platform.release()}", "platform": platform.platform(),
            "backend": self.name, "backend_version": torch.__version__, "backend_devices": devices,
            "backend_gpus": [d for d in devices if d["type"] == "GPU"], "torch_device": self.device,
            "torch_cuda": torch.version.cuda, "torch_hip": torch.version.hip,
            ("torch_miopen" if torch.version.hip else "torch_cudnn"): cudnn,
            "torch_threads": torch.get_num_threads(), "execution": self.execution, "input_pipeline": PIPELINE,
        }

    @property
    def execution(self) -> str:
        return "compiled (torch.compile)" if self.compiled else "eager"

    def gpu_peak_bytes(self) -> int | None:
        torch = self.torch
        if torch is None:
            return None
        if self.device == "cuda":
            return int(torch.cuda.max_memory_allocated())
        if self.device == "xpu":
            return int(torch.xpu.max_memory_allocated())
        if self.device == "mps":  # MPS keeps no peak: the driver's allocation at the end is the nearest figure
            return int(torch.mps.driver_allocated_memory())
        return None

    def sees_gpu(self) -> bool:
        torch = sys.modules.get("torch")
        try:
            return bool(torch is not None and pick_device(torch) != "cpu")
        except Exception:
            return False

    def seed(self, seed: int) -> None:
        self.torch.manual_seed(seed)
        self.rng = np.random.default_rng(seed)

    # ------------------------------------------------------------------ data and devices
    def batches(self, x, y, batch_size: int, shuffle: bool):
        cls = type("TorchBatches", (TorchBatches,), {"device": self.device})
        return cls(x, y, batch_size, shuffle, seed=int(self.rng.integers(2**31)))

    def strategy(self, config: BenchmarkConfig):
        """DistributedDataParallel over one process per machine, or per device of this one (bench/backends/
        torch_distributed.py), each feeding its share of every global batch."""
        if self.group is None:
            return None, None
        return "ddp", distributed.describe(self.torch, config, self.device, self.world)

    def shard(self, config: BenchmarkConfig, batches):
        """A process's share of every global batch: every N-th image, at the global batch / N."""
        if self.group is None or not isinstance(batches, ArrayBatches):
            return batches
        return batches.every_nth(self.world, self.rank)

    def reduce(self, metrics: loops.Metrics) -> loops.Metrics:
        """A pass's metrics summed over every worker (the same epoch figures in every worker's report)."""
        if self.group is None:
            return metrics
        totals = self.torch.tensor(metrics.totals(), dtype=self.torch.float64)
        self.torch.distributed.all_reduce(totals)
        return loops.Metrics.of(totals.tolist())

    # ------------------------------------------------------------------ the model
    def build(self, name: str, weights: str, strategy: Any = None) -> tuple[Any, dict[str, Any]]:
        from ..models import WeightsUnavailable
        from .torch_models import BUILDERS

        if weights == "imagenet" and name != "convolve2d":
            raise WeightsUnavailable("ImageNet weights are Keras files, which the PyTorch backend does not load.")
        reason = ("this network has no pretrained weights (as published)" if name == "convolve2d" else
                  "the PyTorch models start from random weights (the ImageNet weights are Keras files)")
        model = BUILDERS[name]().to(self.device)
        if strategy == "ddp":  # gradients averaged over the workers in every backward pass
            from torch.nn.parallel import DistributedDataParallel

            model = DistributedDataParallel(model, device_ids=[self.torch.cuda.current_device()]
                                            if self.device == "cuda" else None)
        return model, {"requested": weights, "used": "random", "reason": reason}

    def compile(self, model, strategy: Any = None) -> None:
        """Adam as Keras sets it up (lr 1e-3, beta 0.9/0.999, epsilon 1e-7) over the trainable weights; for
        mixed_float16 a gradient scaler, as Keras' LossScaleOptimizer."""
        torch = self.torch
        trainable = [p for p in model.parameters() if p.requires_grad]
        self.optimizers[id(model)] = torch.optim.Adam(trainable, lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
        self.scaler = torch.amp.GradScaler(self.device) if self.precision == "mixed_float16" else None
        if self.compiled:  # compiled at its first call: the first step, timed apart, as XLA's tracing is
            self.forwards[id(model)] = torch.compile(model)

    def _forward(self, model):
        return self.forwards.get(id(model), model)

    def autocast(self):
        """Keras' mixed policies as PyTorch's autocast: float16 or bfloat16 compute, float32 weights."""
        if self.precision == "float32":
            return contextlib.nullcontext()
        dtype = self.torch.float16 if self.precision == "mixed_float16" else self.torch.bfloat16
        return self.torch.autocast(self.device, dtype=dtype)

    def describe(self, model) -> dict[str, Any]:
        from .torch_models import keras_param_count, trainable_count

        model = unwrapped(model)
        return {"name": model.name, "params": keras_param_count(model), "trainable_params": trainable_count(model),
                "layers": sum(1 for m in model.modules() if hasattr(m, "keras_name")),
                "precision": self.precision, "jit_compile": self.compiled, "execution": self.execution,
                **flops_per_image(self.torch, model, self.device)}

    def _loss(self, model, logits, y):
        from .torch_models import penalty

        torch = self.torch
        p = torch.softmax(logits.float(), dim=1)
        target = torch.from_numpy(y).to(self.device)
        ce = -(target * torch.log(p.clamp(CLIP, 1 - CLIP))).sum(dim=1).mean()
        return ce + penalty(unwrapped(model)), p

    def _step(self, model, x, y):
        """One training step; its loss and probabilities read back to the host, so the step has ended."""
        optimizer = self.optimizers[id(model)]
        model.train()
        optimizer.zero_grad(set_to_none=True)
        with self.autocast():
            logits = self._forward(model)(x)
        loss, p = self._loss(model, logits, y)
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.step(optimizer)
            self.scaler.update()
        else:
            loss.backward()
            optimizer.step()
        return p.detach().cpu().numpy(), y, float(loss.detach())

    def _infer(self, model) -> loops.Step:
        torch = self.torch

        def infer(x, y):
            model.eval()
            with torch.no_grad(), self.autocast():
                logits = self._forward(model)(x)
            loss, p = self._loss(model, logits, y)
            return p.cpu().numpy(), y, float(loss)
        return infer

    def fit(self, model, train, epochs: int, hooks: StepHooks, validation: Any = None) -> dict[str, float]:
        return loops.fit(lambda x, y: self._step(model, x, y), self._infer(model), train, epochs, hooks, validation,
                         self.reduce)

    def evaluate(self, model, batches, hooks: StepHooks) -> dict[str, float]:
        return loops.evaluate(self._infer(model), batches, hooks, self.reduce)

    def predict(self, model, batches):
        torch = self.torch
        model.eval()
        out = []
        with torch.no_grad(), self.autocast():
            for x, _ in batches:
                out.append(torch.softmax(self._forward(model)(x).float(), dim=1).cpu().numpy())
        return np.concatenate(out)

    def save(self, model, path: str) -> None:
        """The model's state and its optimiser's, as one file (torch.save), to exactly `path`."""
        optimizer = self.optimizers.get(id(model))
        with open(path, "wb") as f:
            self.torch.save({"model": _model_key(unwrapped(model)), "state_dict": unwrapped(model).state_dict(),
                             "optimizer": optimizer.state_dict() if optimizer is not None else None}, f)

    def load(self, path: str):
        """Cold: the model built again and its saved state loaded (weights only: no code is unpickled)."""
        from .torch_models import BUILDERS

        if not os.path.isfile(path):
            raise FileNotFoundError(path)
        saved = self.torch.load(path, map_location=self.device, weights_only=True)
        model = BUILDERS[saved["model"]]().to(self.device)
        model.load_state_dict(saved["state_dict"])
        model.eval()
        if self.compiled:  # the prediction compiled at its first batch, as the training was
            self.forwards[id(model)] = self.torch.compile(model)
        return model

    def snapshot(self, model) -> Any:
        return {k: v.detach().clone() for k, v in unwrapped(model).state_dict().items()}

    def restore(self, model, snapshot: Any) -> None:
        unwrapped(model).load_state_dict(snapshot)
        self.compile(model)


def flops_per_image(torch, model, device: str) -> dict[str, Any]:
    """FLOPs per image from PyTorch's own counter on a batch of two (training-mode BatchNormalization needs more than
    one value per channel). The forward pass is the figure Keras' count gives (tested equal). A training step is
    counted as dlbench counts it on Keras (forward + 2x the forward of every layer behind the frozen part), so that
    achieved FLOP/s compare across backends; what PyTorch's counter saw of the backward pass is kept beside it (it
    differs: no input gradient for the first layer, and its own rule for grouped convolutions)."""
    from torch.utils.flop_counter import FlopCounterMode

    was_training = model.training
    model.eval()
    x = torch.zeros((2, 3, 32, 32), device=device)
    with FlopCounterMode(display=False) as forward:
        with torch.no_grad():
            model(x)
    model.train()
    with FlopCounterMode(display=False) as both:
        model(x).sum().backward()
    model.zero_grad(set_to_none=True)
    model.train(was_training)
    counts, prefix = forward.get_flop_counts(), type(model).__name__
    frozen = sum(sum(counts.get(f"{prefix}.{name}", {}).values()) for name, child in model.named_children()
                 if any(True for _ in child.parameters()) and not any(p.requires_grad for p in child.parameters()))
    total = forward.get_total_flops()
    return {"forward_flops_per_image": total / 2.0, "train_flops_per_image": (total + 2 * (total - frozen)) / 2.0,
            "train_flops_per_image_counted": both.get_total_flops() / 2.0,
            "method": "torch.utils.flop_counter.FlopCounterMode, per image of a batch of two: the forward pass "
                      "(inference mode); a training step as on Keras, backward = 2x forward behind the frozen base "
                      "(train_flops_per_image_counted: forward + backward as PyTorch's counter saw them)"}


def unwrapped(model):
    """The model itself, out of DistributedDataParallel's wrapper where a cluster run put it in one."""
    return getattr(model, "module", model)


def _model_key(model) -> str:
    from .torch_models import BUILDERS

    return next(k for k, cls in BUILDERS.items() if isinstance(model, cls))
