"""Which framework runs the models: `auto` with injected machines (no GPU here: the GPUs are injected facts from
NVML's compute capability, named as such) and injected installs."""

import pytest

from dlbench_gui.core.backend_choice import backend_label, backend_of, choose_backend, gpus_used

BOTH = {"tensorflow", "jax"}.__contains__


def gpu(name, cc):
    return {"gpu": {"nvidia": [{"name": name, "compute_capability": cc}]}}


@pytest.mark.parametrize("machine,installed,expected,words", [
    ({}, BOTH, "tensorflow", "TensorFlow, as published"),
    (gpu("NVIDIA GeForce RTX 3090", "8.6"), BOTH, "tensorflow", "as published"),
    (gpu("NVIDIA H200", "9.0"), BOTH, "tensorflow", "as published"),  # runs through TensorFlow's compute_90 PTX
    (gpu("NVIDIA GeForce RTX 5090", "12.0"), BOTH, "jax", "compute capability 12.0"),
    (gpu("NVIDIA B200", "10.0"), BOTH, "jax", "TensorFlow 2.21's CUDA build cannot drive"),
    ({}, {"jax"}.__contains__, "jax", "TensorFlow is not installed"),
    (gpu("NVIDIA GeForce RTX 5090", "12.0"), {"tensorflow"}.__contains__, "tensorflow",
     "JAX and PyTorch are not installed: TensorFlow will train on the CPU"),
], ids=["no GPU", "Ampere", "Hopper", "Blackwell RTX", "Blackwell B200", "no TensorFlow", "Blackwell, no JAX"])
def test_auto_picks_tensorflow_unless_it_cannot_drive_the_gpu_and_says_why(machine, installed, expected, words):
    choice = choose_backend("auto", machine, is_installed=installed)
    assert choice.name == expected and words in choice.why and choice.requested == "auto"


def test_an_explicit_backend_is_taken_as_asked():
    choice = choose_backend("jax", gpu("NVIDIA GeForce RTX 3090", "8.6"), is_installed=BOTH)
    assert (choice.name, choice.why) == ("jax", "JAX, as asked")
    assert choice.to_dict() == {"requested": "jax", "chosen": "jax", "why": "JAX, as asked"}


def test_reports_from_before_the_jax_backend_read_as_tensorflow_runs():
    assert backend_of({}) == "tensorflow" and backend_of({"backend": "jax"}) == "jax"
    assert gpus_used({"tf_gpus": [{"name": "GPU:0"}]}) == [{"name": "GPU:0"}] and gpus_used({}) is None
    assert gpus_used({"backend_gpus": [], "tf_gpus": [{"name": "GPU:0"}]}) == []
    assert backend_label({"backend": "jax"}) == " (JAX backend)" and backend_label({}) == ""


def test_a_backend_that_is_not_installed_is_one_line_and_exit_2_before_any_work(tmp_path):
    """Injected: JAX made unimportable (tests/fixtures/no_jax on PYTHONPATH)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": f"{root / 'tests' / 'fixtures' / 'no_jax'}{os.pathsep}{root}",
           "DLBENCH_HOME": str(tmp_path / "home")}
    for args in (["run", "--backend", "jax", "--model", "model_a", "--dataset", "mnist"], ["models", "--backend", "jax"],
                 ["maxbatch", "--model", "model_a", "--backend", "jax"]):
        out = subprocess.run([sys.executable, "-m", "dlbench_gui", *args], capture_output=True, text=True, env=env,
                             cwd=tmp_path, timeout=120)
        lines = out.stderr.strip().splitlines()
        assert out.returncode == 2 and len(lines) == 1, out.stderr
        assert lines[0].startswith("dlbench: error: JAX is not installed here"), lines
    assert not (tmp_path / "home" / "reports").exists() or not list((tmp_path / "home" / "reports").iterdir())


MAC = {"os": {"system": "Darwin"}, "cpu": {"architecture": "arm64"}, "gpu": {"nvidia": []}}
WINDOWS_RTX = {"os": {"system": "Windows"}, "cpu": {"architecture": "AMD64"},
               "gpu": {"nvidia": [{"name": "NVIDIA GeForce RTX 4090", "compute_capability": "8.9"}]}}
ALL = {"tensorflow", "jax", "torch"}.__contains__


@pytest.mark.parametrize("machine,installed,expected,words", [
    (MAC, ALL, "torch", "TensorFlow and JAX cannot drive Apple silicon's GPU (Metal), so the models run on native PyTorch"),
    (WINDOWS_RTX, ALL, "torch", "cannot drive an NVIDIA GPU on Windows"),
    ({}, {"torch"}.__contains__, "torch", "TensorFlow is not installed here, so the models run on native PyTorch"),
    ({}, ALL, "tensorflow", "TensorFlow, as published"),  # a CPU: the published framework
    (MAC, {"tensorflow"}.__contains__, "tensorflow", "JAX and PyTorch are not installed: TensorFlow will train on"),
    (MAC, {"tensorflow", "jax"}.__contains__, "tensorflow", "and PyTorch is not installed: TensorFlow will train on"),
], ids=["Apple silicon", "Windows with an NVIDIA GPU", "PyTorch alone", "a CPU", "Apple silicon, TensorFlow alone",
       "Apple silicon, no PyTorch"])
def test_auto_picks_pytorch_where_it_alone_can_drive_the_gpu_and_says_why(machine, installed, expected, words):
    """Injected machines: an Apple silicon Mac, a Windows PC with an NVIDIA GPU (no such machine here)."""
    choice = choose_backend("auto", machine, is_installed=installed)
    assert choice.name == expected and words in choice.why, choice.why
