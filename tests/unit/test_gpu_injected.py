"""GPU branches with injected facts (no GPU here): NVML detection of two GPUs, a sample with throttle reasons, the
GPU memory limit through an injected TensorFlow, and the GPU peak memory. Named as injected, as they are."""

import types

import pytest

from dlbench_gui.hardware import detect, nvml
from dlbench_gui.core.view.present import hardware_rows


class FakeMemory:
    def __init__(self, total, used=0):
        self.total, self.used = total, used


class FakeUtil:
    gpu, memory = 97, 40


def fake_pynvml(cards):
    """A pynvml stand-in answering for `cards` (name, memory, cores, max SM clock, compute capability)."""
    m = types.SimpleNamespace(NVML_CLOCK_SM=0, NVML_CLOCK_MEM=1, NVML_TEMPERATURE_GPU=0)
    m.nvmlDeviceGetCount = lambda: len(cards)
    m.nvmlDeviceGetHandleByIndex = lambda i: i
    m.nvmlSystemGetDriverVersion = lambda: "560.35.03"
    m.nvmlSystemGetCudaDriverVersion_v2 = lambda: 12060
    m.nvmlDeviceGetName = lambda h: cards[h]["name"]
    m.nvmlDeviceGetUUID = lambda h: f"GPU-{h}"
    m.nvmlDeviceGetMemoryInfo = lambda h: FakeMemory(cards[h]["memory"], cards[h]["memory"] // 2)
    m.nvmlDeviceGetCudaComputeCapability = lambda h: cards[h]["cc"]
    m.nvmlDeviceGetPowerManagementLimit = lambda h: 350_000
    m.nvmlDeviceGetMaxClockInfo = lambda h, kind: cards[h]["sm_mhz"] if kind == 0 else 9501
    m.nvmlDeviceGetNumGpuCores = lambda h: cards[h]["cores"]
    m.nvmlDeviceGetCurrPcieLinkGeneration = lambda h: 4
    m.nvmlDeviceGetMaxPcieLinkGeneration = lambda h: 4
    m.nvmlDeviceGetCurrPcieLinkWidth = lambda h: 16
    m.nvmlDeviceGetMaxPcieLinkWidth = lambda h: 16
    m.nvmlDeviceGetUtilizationRates = lambda h: FakeUtil()
    m.nvmlDeviceGetPowerUsage = lambda h: 312_000
    m.nvmlDeviceGetTotalEnergyConsumption = lambda h: 123_456_789
    m.nvmlDeviceGetTemperature = lambda h, kind: 81
    m.nvmlDeviceGetClockInfo = lambda h, kind: 1605
    m.nvmlDeviceGetCurrentClocksEventReasons = lambda h: 0x4 | 0x20  # software power cap, software thermal
    return m


@pytest.fixture
def two_gpus(monkeypatch):
    cards = [{"name": "NVIDIA GeForce RTX 3090", "memory": 24 << 30, "cores": 10496, "sm_mhz": 2100, "cc": (8, 6)},
             {"name": "NVIDIA GeForce RTX 2060", "memory": 6 << 30, "cores": 1920, "sm_mhz": 2100, "cc": (7, 5)}]
    return nvml.Nvml(fake_pynvml(cards))  # injected through the public seam: an Nvml over a pynvml stand-in


def test_injected_nvml_two_gpus_are_listed_with_their_facts(two_gpus):
    info = two_gpus.static_info()
    assert [g["name"] for g in info] == ["NVIDIA GeForce RTX 3090", "NVIDIA GeForce RTX 2060"]
    g = info[0]
    assert g["memory_total_bytes"] == 24 << 30 and g["driver_version"] == "560.35.03" and g["cuda_driver_version"] == "12.6"
    assert g["compute_capability"] == "8.6" and g["sm_count"] == 82 and g["power_limit_w"] == 350
    assert g["peak_fp32_flops"] == pytest.approx(2 * 10496 * 2100e6)
    hw = detect.detect(gpus_nvml=two_gpus)
    assert hw["gpu"]["summary"] == "NVIDIA GeForce RTX 3090, NVIDIA GeForce RTX 2060"
    rows = dict(hardware_rows(hw))
    assert rows["GPU 0"].startswith("NVIDIA GeForce RTX 3090, 24.0 GiB dedicated, driver 560.35.03, CUDA 12.6")
    assert rows["GPU 1"].startswith("NVIDIA GeForce RTX 2060, 6.0 GiB")
    assert rows["GPU 0 peak"].startswith("44.1 TFLOPS FP32")


def test_injected_nvml_sample_reads_power_energy_clocks_and_throttle_reasons(two_gpus):
    s = two_gpus.sample(0)
    assert s["util_percent"] == 97 and s["power_w"] == 312 and s["energy_mj"] == 123_456_789
    assert s["sm_clock_mhz"] == 1605 and s["temperature_c"] == 81
    assert s["throttle_reasons"] == ["software power cap", "software thermal"]


def test_injected_tensorflow_gets_the_gpu_memory_limit_on_every_gpu():
    from dlbench_gui.bench.backends.tensorflow import apply_gpu_memory_limit

    calls = []
    config = types.SimpleNamespace(
        list_physical_devices=lambda kind: ["GPU:0", "GPU:1"] if kind == "GPU" else [],
        set_logical_device_configuration=lambda gpu, confs: calls.append((gpu, confs[0].memory_limit)),
        LogicalDeviceConfiguration=lambda memory_limit: types.SimpleNamespace(memory_limit=memory_limit))
    tf = types.SimpleNamespace(config=config)
    assert apply_gpu_memory_limit(tf, 2.0) == {"gpu_memory_limit_gb": 2.0, "applied": True, "gpus": 2}
    assert calls == [("GPU:0", 2048), ("GPU:1", 2048)]
    no_gpu = types.SimpleNamespace(config=types.SimpleNamespace(list_physical_devices=lambda kind: []))
    assert apply_gpu_memory_limit(no_gpu, 2.0) == {"gpu_memory_limit_gb": 2.0, "applied": False}


def test_injected_gpu_memory_limit_on_jax_becomes_xlas_client_settings():
    """Injected: a 24 GiB card (no GPU here). JAX's limit is XLA's fraction of the card, without preallocation."""
    from dlbench_gui.bench.backends.jax import memory_limit_settings

    s = memory_limit_settings(6.0, 24 * 2**30)
    assert s["applied"] is True and s["how"] == {"XLA_PYTHON_CLIENT_PREALLOCATE": "false",
                                                 "XLA_PYTHON_CLIENT_MEM_FRACTION": "0.2500"}
    assert memory_limit_settings(48.0, 24 * 2**30)["how"]["XLA_PYTHON_CLIENT_MEM_FRACTION"] == "1.0000"
    assert memory_limit_settings(6.0, None) == {"gpu_memory_limit_gb": 6.0, "applied": False}  # no GPU: no effect
    assert memory_limit_settings(None, 24 * 2**30) == {"gpu_memory_limit_gb": None, "applied": None}
