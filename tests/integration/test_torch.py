"""Native PyTorch, for real: the published models written in PyTorch (bench/backends/torch_models.py), proven the same
as Keras' by copying a Keras model's weights in and comparing outputs and losses, and the protocol run in real child
processes on this CPU (torch 2.13.0's CPU build) with TensorFlow, tf_keras, Keras and JAX made unimportable
(injected: tests/fixtures/no_frameworks with DLBENCH_TEST_KEEP=torch, for the parent and every child). No GPU here:
the CUDA, ROCm, MPS and XPU paths are unrun; their out-of-memory texts are injected in tests/unit/test_errors.py."""

import json
import os
import subprocess

import numpy as np
import pytest

from tests.conftest import PY, ROOT, own_home
from tests.integration.test_engine import assert_steps_add_up, check_contract

pytestmark = pytest.mark.slow

TINY = ["--model", "model_a", "--dataset", "mnist", "--profile", "custom", "--epochs", "2", "--train-samples", "640",
        "--val-samples", "128", "--data", "synthetic"]


def torch_only(*args, timeout=900, **env):
    """`python -m dlbench_gui ARGS` where only PyTorch of the ML frameworks can be imported (parent and children)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests" / "fixtures" / "no_frameworks"),
           "DLBENCH_TEST_KEEP": "torch", **env}
    return subprocess.run([PY, "-m", "dlbench_gui", *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=timeout)


@pytest.fixture(scope="module")
def torch_run(tmp_path_factory):
    """The issue's own command: a custom run of Model A on the PyTorch backend, 2 epochs of 10 steps."""
    path = tmp_path_factory.mktemp("torch-run") / "r.json"
    with own_home(tmp_path_factory, "torch-run"):
        out = torch_only("run", "--backend", "torch", *TINY, "--output", str(path))
    assert out.returncode == 0, out.stderr[-3000:]
    check_contract(path)
    return out, json.loads(path.read_text())


def test_a_torch_run_completes_with_no_other_framework_importable_and_says_what_ran(torch_run):
    out, r = torch_run
    s = r["software"]
    assert s["backend"] == "torch" and s["torch"].startswith("2.13.0") and s["torch_device"] == "cpu"
    assert not any(k in s for k in ("tensorflow", "jax", "keras")) and s["execution"] == "eager"
    assert r["model"]["params"] == 30_239_690 and r["model"]["trainable_params"] == 10_215_306
    assert len(r["step_times_s"]) == 20 and r["timing"]["best_epoch"] in (1, 2)
    inference = r["timing"]["inference"]
    assert inference["images"] == 128 and inference["load_s"] > 0 and inference["predict_s"] > 0
    assert "PyTorch" in out.stderr and "native PyTorch" in out.stdout  # the CLI says which, compared under its label


def test_each_timed_step_ends_when_its_computation_has_ended_on_torch(torch_run):
    """Each step's loss is read back before its hook: the steps add up to each epoch's training time (2%)."""
    _, r = torch_run
    assert_steps_add_up(r)


def test_the_models_have_the_published_parameter_counts_on_torch():
    out = torch_only("models", "--backend", "torch", timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "30,239,690" in out.stdout and "118,002,738" in out.stdout


def test_the_quick_profile_on_torch_estimates_the_protocol_with_an_interval(tmp_path):
    path = tmp_path / "q.json"
    out = torch_only("run", "--backend", "torch", "--model", "model_a", "--dataset", "mnist", "--profile", "quick",
                     "--quick-budget", "5", "--epochs", "2", "--train-samples", "6400", "--val-samples", "640",
                     "--data", "synthetic", "--output", str(path))
    assert out.returncode == 0, out.stderr[-3000:]
    est = json.loads(path.read_text())["estimate"]
    (low, high), mid = est["execution_time_ci95_s"], est["execution_time_s"]
    assert 0 <= low <= mid <= high and mid > 0 and est["protocol"]["epochs"] == 2


def test_host_memory_running_out_on_torch_is_one_classified_failure(tmp_path):
    """Model B's weights and Adam's moments (about 1.4 GB) under a 1 GB ceiling: PyTorch's CPU allocator refuses."""
    path = tmp_path / "oom.json"
    out = torch_only("run", "--backend", "torch", "--model", "model_b", "--dataset", "mnist", "--profile", "custom",
                     "--epochs", "1", "--train-samples", "64", "--val-samples", "64", "--data", "synthetic",
                     "--host-memory-limit", "1", "--output", str(path))
    assert out.returncode == 1
    r = json.loads(path.read_text())
    assert r["status"] == "failed" and r["error"]["kind"] == "host_oom", r["error"]


def test_on_torch_a_kill_keeps_the_finished_epochs_and_stop_cancels_leaving_no_child():
    """SIGKILL of the torch training child after two finished epochs, and Stop at the first steps, as on the other
    backends (test_failures.py, test_jax.py): the parent survives both and saves the report. (A hung child is the
    parent's watchdog's business, the same for every backend: test_supervision.py, with an injected silent worker.)"""
    from tests.integration.provoked import killed_after_two_epochs, stopped_at_first_steps

    killed = killed_after_two_epochs(backend="torch")
    assert killed.status == "failed" and killed.error["kind"] == "crash" and "SIGKILL" in killed.error["message"]
    assert [e["epoch"] for e in killed.timing["epochs"]] == [1, 2] and killed.software["backend"] == "torch"

    cancelled, alive = stopped_at_first_steps(backend="torch")
    assert cancelled.status == "cancelled" and cancelled.software["backend"] == "torch" and not alive


def test_torch_compile_is_a_labelled_variant_whose_compile_time_is_the_first_step(tmp_path):
    """--compile: every forward through torch.compile (inductor, which compiles C++ for this CPU), in training and in
    the cold inference child; the compile time lands in the first step, timed apart as XLA's tracing is, and the run
    is labelled wherever it is compared."""
    path = tmp_path / "c.json"
    out = torch_only("run", "--backend", "torch", "--model", "model_a", "--dataset", "mnist", "--profile", "custom",
                     "--epochs", "1", "--train-samples", "256", "--val-samples", "64", "--data", "synthetic",
                     "--compile", "--output", str(path),
                     # a cache of its own: inductor keeps what it compiled (in /tmp/torchinductor_$USER by default),
                     # and a second run on the machine then compiles in a fraction of the time (a fresh clone's second
                     # `make test` here: first step 4.1 s against 2.2 s steps, where a cold compile is over 3x)
                     TORCHINDUCTOR_CACHE_DIR=str(tmp_path / "inductor"))
    assert out.returncode == 0, out.stderr[-3000:]
    check_contract(path)
    r = json.loads(path.read_text())
    assert r["config"]["compile"] is True and r["software"]["execution"] == "compiled (torch.compile)"
    assert r["model"]["jit_compile"] is True
    steps = r["step_times_s"]
    assert len(steps) == 4 and steps[0] > 3 * max(steps[1:])  # the compilation, in the first step only
    assert r["timing"]["inference"]["predict_s"] > 0
    assert "compiled with torch.compile" in out.stdout


def test_hw_frameworks_says_which_devices_each_installed_framework_sees():
    """`dlbench hw --frameworks`: each installed framework started in a worker of its own, its devices said (#31: "the
    hardware panel and dlbench hw say which accelerators each installed framework sees"); with only PyTorch importable
    here, the others are "not installed"."""
    out = torch_only("hw", "--frameworks", "--json", timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout)["frameworks"]
    assert seen["torch"]["installed"] and seen["torch"]["version"].startswith("2.13.0")
    assert [d["name"] for d in seen["torch"]["devices"]] == ["cpu"]
    assert seen["tensorflow"] == {"installed": False} and seen["jax"] == {"installed": False}
    text = torch_only("hw", "--frameworks", timeout=300).stdout
    assert "PyTorch 2.13.0+cpu: cpu (CPU)" in text and "TensorFlow: not installed" in text


# ---------------------------------------------------------------------------- the same architecture, proven

def keras_weighted_layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.layers:  # Model A's nested VGG19 base
            yield from keras_weighted_layers(layer)
        elif layer.weights:
            yield layer


def copy_keras_weights(keras_model, torch_model):
    """Every Keras layer's weights into the PyTorch module of the same Keras name (Xception's unnamed residual
    convolutions and their BatchNormalizations in their order), converted to PyTorch's layouts."""
    import torch

    named = {m.keras_name: m for m in torch_model.modules() if hasattr(m, "keras_name")}
    residuals = [m for seq in getattr(getattr(torch_model, "xception", None), "residuals", []) for m in seq]
    copied = 0
    for layer in keras_weighted_layers(keras_model):
        module = named.get(layer.name) or residuals.pop(0)
        w = [np.asarray(v) for v in layer.get_weights()]
        kind = type(layer).__name__
        if kind == "Dense":
            target = getattr(module, "linear", module)
            pairs = [(target.weight, w[0].T), (target.bias, w[1])]
        elif kind == "Conv2D":
            pairs = [(module.weight, w[0].transpose(3, 2, 0, 1))] + ([(module.bias, w[1])] if len(w) > 1 else [])
        elif kind == "SeparableConv2D":
            pairs = [(module.depthwise.weight, w[0].transpose(2, 3, 0, 1)),
                     (module.pointwise.weight, w[1].transpose(3, 2, 0, 1))]
        elif kind == "BatchNormalization":
            pairs = [(module.weight, w[0]), (module.bias, w[1]), (module.running_mean, w[2]),
                     (module.running_var, w[3])]
        else:
            raise AssertionError(f"unexpected Keras layer {layer.name} ({kind})")
        with torch.no_grad():
            for tensor, value in pairs:
                assert tuple(tensor.shape) == value.shape, (layer.name, tensor.shape, value.shape)
                tensor.copy_(torch.from_numpy(np.ascontiguousarray(value)))
        copied += 1
    assert not residuals
    return copied


def assert_every_layer_agrees(km, tm, x):
    """Random heads make near-uniform probabilities, and deep random features fade, so the outputs alone prove little:
    every layer the two models share by name (the top level's: all of Model B's, Model A's head) is compared, each
    within 1e-4 of its own scale (NHWC → NCHW; a Keras layer's ReLU applied to the PyTorch module's output)."""
    import keras
    import torch

    modules = {m.keras_name: m for m in tm.modules() if hasattr(m, "keras_name") and m.keras_name != "predictions"}
    top = {layer.name: layer for layer in km.layers}
    names = [n for n in modules if n in top]
    seen = {}
    hooks = [modules[n].register_forward_hook(lambda m, i, o, n=n: seen.__setitem__(n, o)) for n in names]
    with torch.no_grad():
        tm(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous())
    for h in hooks:
        h.remove()
    wanted = keras.Model(km.inputs, [top[n].output for n in names])(x, training=False)
    for n, k_out in zip(names, wanted):
        k_out = np.asarray(k_out)
        k_out = k_out.transpose(0, 3, 1, 2) if k_out.ndim == 4 else k_out
        t_out = seen[n]
        if getattr(getattr(top[n], "activation", None), "__name__", "") == "relu" and type(top[n]).__name__ == "Conv2D":
            t_out = torch.relu(t_out)
        scale = float(np.abs(k_out).max()) or 1.0
        np.testing.assert_allclose(t_out.numpy(), k_out, rtol=1e-4, atol=1e-4 * scale, err_msg=n)
    assert len(names) >= (5 if "head_conv1" in modules else 300 if "fuse_conv" in modules else 3)  # all were compared


@pytest.mark.parametrize("name", ["model_a", "model_b", "convolve2d"])
def test_the_torch_models_compute_what_the_keras_models_compute_given_the_same_weights(name):
    """Random Keras weights (float32) copied into the PyTorch model: the same class probabilities on one batch in
    inference mode (rtol 1e-4), and the same loss, the regularisers included (the Keras loss after one forward pass:
    cross-entropy plus the kernel, bias and activity terms)."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import torch

    from dlbench_gui.bench import models
    from dlbench_gui.bench.backends import torch_models

    keras.utils.set_random_seed(1)
    km = models.build_model(name)
    # BatchNormalization starts at gamma 1, beta 0, mean 0, variance 1: move each, so that every copy is checked
    for layer in keras_weighted_layers(km):
        if type(layer).__name__ == "BatchNormalization":
            r = np.random.default_rng(len(layer.name))
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([(v * r.uniform(lo, hi, v.shape) + shift * r.uniform(-1, 1, v.shape)).astype(np.float32)
                               for v, lo, hi, shift in ((gamma, 0.8, 1.2, 0), (beta, 1, 1, 0.05),
                                                        (mean, 1, 1, 0.05), (var, 0.8, 1.2, 0))])
    tm = torch_models.BUILDERS[name]().eval()
    copy_keras_weights(km, tm)
    assert torch_models.keras_param_count(tm) == km.count_params()
    rng = np.random.default_rng(2)
    x = rng.random((4, 32, 32, 3), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 4)]
    k_prob = np.asarray(km(x, training=False))
    with torch.no_grad():
        logits = tm(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous())
        t_prob = torch.softmax(logits, 1).numpy()
        t_loss = float(-(torch.from_numpy(y) * torch.log(torch.softmax(logits, 1).clamp(1e-7, 1 - 1e-7))).sum(1).mean()
                       + torch_models.penalty(tm))
    np.testing.assert_allclose(t_prob, k_prob, rtol=1e-4, atol=1e-6)
    assert_every_layer_agrees(km, tm, x)
    k_loss = float(np.mean(keras.losses.categorical_crossentropy(y, k_prob))) + float(sum(np.asarray(v)
                                                                                         for v in km.losses))
    assert t_loss == pytest.approx(k_loss, rel=1e-4)
    # FLOPs: PyTorch's own counter against dlbench's Keras count (Conv2D, SeparableConv2D, Dense multiply-adds): the
    # forward pass exactly, and a training step by the same rule (backward = 2x forward behind the frozen part)
    from dlbench_gui.bench import flops
    from dlbench_gui.bench.backends.torch_runtime import flops_per_image

    keras_flops, torch_flops = flops.count(km), flops_per_image(torch, tm, "cpu")
    assert torch_flops["forward_flops_per_image"] == pytest.approx(keras_flops["forward_flops_per_image"], rel=1e-6)
    assert torch_flops["train_flops_per_image"] == pytest.approx(keras_flops["train_flops_per_image"], rel=0.01)


# ---------------------------------------------------------------------------- several machines: torch.distributed

def test_two_local_torch_workers_train_in_step_with_ddp_and_report_the_same_final_loss(tmp_path):
    """Two worker processes on 127.0.0.1 (gloo), each with its report: DistributedDataParallel over the cluster, the
    chief's run tag in both, and each epoch's metrics summed over both workers: the same final loss."""
    from tests.integration.test_distribution import free_ports

    ports = free_ports(2)
    cluster = ",".join(f"127.0.0.1:{p}" for p in ports)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests" / "fixtures" / "no_frameworks"), "DLBENCH_TEST_KEEP": "torch"}
    procs = []
    for i in (0, 1):
        log = open(tmp_path / f"w{i}.log", "w")
        procs.append(subprocess.Popen(
            [PY, "-m", "dlbench_gui", "run", "--backend", "torch", *TINY, "--cluster", cluster, "--task-index", str(i),
             "--output", str(tmp_path / f"r{i}.json")], cwd=ROOT, env={**env, "DLBENCH_HOME": str(tmp_path / f"h{i}")},
            stdout=log, stderr=subprocess.STDOUT, text=True))
    for p in procs:
        assert p.wait(timeout=600) == 0, (tmp_path / "w0.log").read_text()[-2000:] + (tmp_path / "w1.log").read_text()[-2000:]
    reports = [json.loads((tmp_path / f"r{i}.json").read_text()) for i in (0, 1)]
    for i, r in enumerate(reports):
        check_contract(tmp_path / f"r{i}.json")
        d = r["distribution"]
        assert d["strategy"] == "DistributedDataParallel (gloo)" and d["workers"] == d["replicas"] == 2
        assert d["task_index"] == i and d["chief"] is (i == 0) and d["process_group"]["world_size"] == 2
        assert r["software"]["backend"] == "torch" and r["timing"]["inference"]["total_s"] > 0
    assert reports[0]["distribution"]["cluster_run"] == reports[1]["distribution"]["cluster_run"]
    assert [e["loss"] for e in reports[0]["timing"]["epochs"]] == [e["loss"] for e in reports[1]["timing"]["epochs"]]


def test_two_cpu_devices_on_torch_train_as_two_processes_the_way_torchrun_starts_them(tmp_path):
    """--devices 2 --cpu-devices 2 on PyTorch: the training child is rank 0 and starts rank 1 itself (RANK, WORLD_SIZE,
    MASTER_ADDR/PORT, env:// rendezvous, gloo), each with one core and half of every global batch; rank 0 reports.
    No rank outlives the run."""
    import psutil

    from dlbench_gui.bench.backends.torch_distributed import HELPER_ENV

    path = tmp_path / "two.json"
    out = torch_only("run", "--backend", "torch", *TINY, "--devices", "2", "--cpu-devices", "2", "--output", str(path))
    assert out.returncode == 0, out.stderr[-3000:]
    check_contract(path)
    r = json.loads(path.read_text())
    d = r["distribution"]
    assert d["strategy"] == "DistributedDataParallel (gloo)" and d["replicas"] == 2 and d["workers"] == 1
    assert d["global_batch_size"] == 64 and d["per_replica_batch_size"] == 32 and "torchrun" in d["launch"]
    assert d["process_group"] == {"backend": "gloo", "world_size": 2, "rank": 0}
    assert len(r["step_times_s"]) == 20 and all(np.isfinite(e["loss"]) for e in r["timing"]["epochs"])
    assert r["timing"]["inference"]["total_s"] > 0
    helpers = []
    for p in psutil.process_iter():
        try:
            if HELPER_ENV in p.environ():
                helpers.append(p.pid)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            pass
    assert not helpers


def test_a_torch_worker_whose_peer_never_comes_is_named_in_one_failure(tmp_path):
    from tests.integration.test_distribution import free_ports

    ports = free_ports(2)
    path = tmp_path / "u.json"
    out = torch_only("run", "--backend", "torch", "--model", "model_a", "--dataset", "mnist", "--profile", "custom",
                     "--epochs", "1", "--train-samples", "128", "--val-samples", "64", "--data", "synthetic", "--cluster",
                     ",".join(f"127.0.0.1:{p}" for p in ports), "--task-index", "0", "--cluster-timeout", "6",
                     "--output", str(path))
    assert out.returncode == 1
    error = json.loads(path.read_text())["error"]
    assert error["kind"] == "cluster_unreachable" and f"127.0.0.1:{ports[1]}" in error["message"]


def test_mixed_bfloat16_on_torch_runs_under_autocast_and_is_labelled(tmp_path):
    """Keras' mixed_bfloat16 policy as PyTorch's autocast on this CPU (it has AVX512_BF16): bfloat16 compute, float32
    weights; the report and the CLI carry the precision's label."""
    path = tmp_path / "bf16.json"
    out = torch_only("run", "--backend", "torch", "--model", "model_a", "--dataset", "mnist", "--profile", "custom",
                     "--epochs", "1", "--train-samples", "256", "--val-samples", "64", "--data", "synthetic",
                     "--precision", "mixed_bfloat16", "--output", str(path))
    assert out.returncode == 0, out.stderr[-2000:]
    r = json.loads(path.read_text())
    assert r["model"]["precision"] == "mixed_bfloat16" and r["config"]["precision"] == "mixed_bfloat16"
    assert np.isfinite(r["timing"]["epochs"][0]["loss"]) and "mixed_bfloat16" in out.stdout
