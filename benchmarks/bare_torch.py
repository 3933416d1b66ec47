"""The bare PyTorch loop the harness is measured against on the PyTorch backend: the same model (bench/backends/
torch_models.py), Adam as dlbench sets it up, a plain loop over synthetic batches with nothing of dlbench on the path of
a step: no hooks, no events, the loss read once at the end. Prints the steady seconds per step of the second pass (the
first carries the allocator's and oneDNN's warm-up).

    python benchmarks/bare_torch.py STEPS [model_a|model_b]"""

import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from dlbench_gui.bench.backends.torch_models import BUILDERS, penalty  # noqa: E402  (the same layers)

steps = int(sys.argv[1])
batch = 64
rng = np.random.default_rng(0)
x = torch.from_numpy(rng.random((steps * batch, 3, 32, 32), dtype=np.float32))
y = torch.from_numpy(np.eye(10, dtype=np.float32)[rng.integers(0, 10, steps * batch)])
model = BUILDERS[sys.argv[2] if len(sys.argv) > 2 else "model_a"]()
model.train()
optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3, betas=(0.9, 0.999), eps=1e-7)


def one_pass() -> torch.Tensor:
    loss = torch.zeros(())
    for i in torch.randperm(steps).tolist():
        xb, yb = x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]
        optimizer.zero_grad(set_to_none=True)
        p = torch.softmax(model(xb), 1)
        loss = -(yb * torch.log(p.clamp(1e-7, 1 - 1e-7))).sum(1).mean() + penalty(model)
        loss.backward()
        optimizer.step()
    return loss


one_pass()
t = time.perf_counter()
float(one_pass())  # on a GPU the last step ends here; on the CPU every step already has
print(json.dumps({"steady_step_s": (time.perf_counter() - t) / steps, "backend": "torch"}))
