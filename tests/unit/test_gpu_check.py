"""tools/gpu_check.py: here (no GPU) every GPU part is skipped with its reason; its part (a) needs neither
TensorFlow nor Qt; and with NVML injected, the telemetry, energy and throttling parts pass."""

import importlib.util
import json
import os
import subprocess
import types
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_tool():
    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "tools" / "gpu_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_here_every_gpu_part_is_skipped_and_says_why(tmp_path):
    out = tmp_path / "check.json"
    # as on the lent machine: no data folder given, so the check makes a scratch one (in TMPDIR) and removes it
    env = {**{k: v for k, v in os.environ.items() if k != "DLBENCH_HOME"}, "TMPDIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "gpu_check.py"), "--output", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert not list(tmp_path.glob("dlbench-gpu-check-home-*"))
    summary = json.loads(out.read_text())
    parts = summary["parts"]
    tool = load_tool()
    assert set(parts) == {"a1_hw_json", "a2_telemetry_under_load", "a3_throttling_and_energy", "b1_quick_run_on_gpu",
                          "b2_provoked_gpu_oom", "b3_maxbatch_gpu_limit", "b4_harness_overhead",
                          *(name for backend in tool.FRAMEWORKS for name in tool.part_names(backend))}
    if summary["skipped"] == 21:  # a machine without an NVIDIA GPU (this one)
        assert proc.returncode == 0 and all(p["reason"] for p in parts.values())
        assert "NVML" in parts["a1_hw_json"]["reason"] and "TensorFlow" in parts["b1_quick_run_on_gpu"]["reason"]
        assert "JAX sees no GPU" in parts["c1_jax_quick_model_a"]["reason"]
        assert "PyTorch sees no GPU" in parts["d1_torch_quick_model_a"]["reason"]


def test_part_a_needs_neither_tensorflow_nor_qt_nor_the_full_install():
    code = ("import sys; sys.path.insert(0, '.');"
            "import dlbench_gui.hardware.detect, dlbench_gui.hardware.telemetry, dlbench_gui.core.measure.energy, "
            "dlbench_gui.core.measure.throttling, dlbench_gui.core.measure.interference;"
            "print(sorted(m for m in ('tensorflow', 'keras', 'PySide6', 'pyqtgraph', 'fastjsonschema', 'platformdirs')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_injected_nvml_and_a_load_give_telemetry_energy_and_throttling(tmp_path, monkeypatch):
    """Injected: one GPU whose NVML readings are made up (90% busy, 250 W, energy counting up, clocks at 1500 of 2000
    MHz under a power cap) and a CPU loop standing in for the GPU load."""
    tool = load_tool()
    state = {"mj": 0}

    def sample(h):
        state["mj"] += 125_000  # 250 W at 2 Hz
        return {"util_percent": 90, "vram_used_bytes": 2e9, "vram_total_bytes": 8e9, "temperature_c": 70,
                "power_w": 250.0, "energy_mj": state["mj"], "sm_clock_mhz": 1500, "throttle_reasons": ["software power cap"]}

    injected_nvml = types.SimpleNamespace(  # the sampler's NVML context, handed in through its public seam
        handles=lambda: ["gpu0"], sample=sample, other_util_percent=lambda h, own: 0.0, error=lambda: None)

    monkeypatch.setattr(tool, "gpu_load", lambda s: (subprocess.Popen(
        [sys.executable, "-c", f"import time\nt = time.time()\nwhile time.time() - t < {s}: pass"],
        stderr=subprocess.PIPE, text=True), "a CPU stand-in"))
    check = tool.Check(str(tmp_path / "c.json"))
    tool.telemetry_under_load(check, [{"name": "Injected GPU", "max_sm_clock_mhz": 2000}], 3.0,
                              gpus_nvml=injected_nvml)
    a2, a3 = check.parts["a2_telemetry_under_load"], check.parts["a3_throttling_and_energy"]
    assert a2["status"] == "passed" and a2["samples"] >= 5 and a2["summary"]["power_w"]["mean"] == 250.0
    assert a3["status"] == "passed" and a3["energy"]["mean_power_w"] == pytest.approx(250, rel=0.2)
    assert a3["throttling"]["verdict"] == "throttled" and "software power cap" in a3["throttling"]["evidence"][0]
