"""Every accelerator, every vendor (#32), on recorded machines: tests/fixtures/accelerators/machines.json holds AMD,
Intel, Apple, Windows and mixed-vendor machines written from the documented formats (each names its sources). No such
hardware is here: these are injected facts, named as such; the detection, telemetry and words run for real on them."""

import json
import os
import time
from pathlib import Path

import pytest

from dlbench_gui.core import accelerators as core_accelerators
from dlbench_gui.core import backend_choice
from dlbench_gui.core.view.present import hardware_rows
from dlbench_gui.hardware import detect, nvml, sysfs_gpus
from dlbench_gui.hardware.telemetry import Sampler
from tests.unit.test_gpu_injected import fake_pynvml
from tests.conftest import wait_until

MACHINES = json.loads((Path(__file__).parents[1] / "fixtures/accelerators/machines.json").read_text())


def build(name: str, root: Path) -> tuple[str, dict]:
    """The recorded machine `name`: its sysfs tree under `root`, and a command runner answering as it did."""
    m = MACHINES[name]
    for rel, text in m.get("sysfs", {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    for rel, target in m.get("links", {}).items():
        os.symlink(target, root / rel)
    commands = m.get("commands", {})

    def run(cmd):
        line = " ".join(cmd)
        return next((out for key, out in commands.items()
                     if key == line or (key.endswith("*") and line.startswith(key[:-1]))), None)

    return str(root), {"run": run, "system": m["system"], "nvml": m.get("nvml")}


def gpu_of(name: str, tmp_path: Path) -> dict:
    root, m = build(name, tmp_path)
    cards = [{**c, "cc": tuple(c["cc"])} for c in m["nvml"] or []]
    with nvml.Nvml(fake_pynvml(cards)) if cards else nvml.Nvml(fake_pynvml([])) as nv:
        return detect.gpu_info(nv, root=root, system=m["system"], run=m["run"])


def machine(gpu: dict, system: str) -> dict:
    return {"gpu": gpu, "os": {"system": system}, "cpu": {"architecture": "arm64" if system == "Darwin" else "x86_64"}}


def test_an_amd_radeon_is_listed_with_its_memory_peak_and_telemetry_from_sysfs(tmp_path):
    gpu = gpu_of("amd_rx7900xtx", tmp_path)
    (a,) = gpu["accelerators"]  # one card: its connector (card0-DP-1) and the KFD's CPU node are not GPUs
    assert a["vendor"] == "AMD" and a["kind"] == "amd" and a["discrete"] and a["memory_kind"] == "dedicated"
    assert a["memory_total_bytes"] == 25753026560 and a["runtime"] == "gfx1100"
    assert a["peak_fp32_flops"] == pytest.approx(192 * 64 * 2482e6)  # 30.5 TFLOPS: AMD's figure without dual issue
    assert a["peak_half_flops"] == pytest.approx(2 * a["peak_fp32_flops"]) and "KFD topology" in a["peak_method"]
    assert a["telemetry"]["utilisation"] == "gpu_busy_percent" and a["telemetry"]["power"] == "hwmon power1_average"
    s = sysfs_gpus.SysfsGpu(a).sample()
    assert (s["util_percent"], s["vram_used_bytes"], s["power_w"], s["temperature_c"]) == (97, 1052672000, 312.0, 71.0)
    assert s["energy_mj"] is None  # amdgpu's hwmon reports power, no energy counter
    assert backend_choice.gpu_kind(machine(gpu, "Linux")) == "amd"


def test_an_instinct_mi300x_peak_matches_amds_published_figure(tmp_path):
    (a,) = gpu_of("amd_mi300x", tmp_path)["accelerators"]
    assert a["name"] == "AMD Instinct MI300X OAM" and a["driver_version"] == "6.10.5" and a["runtime"] == "gfx942"
    assert a["peak_fp32_flops"] / 1e12 == pytest.approx(81.7, abs=0.05)  # AMD: 81.7 TFLOPS FP32 vector
    assert a["peak_half_flops"] / 1e12 == pytest.approx(163.4, abs=0.1)  # AMD: 163.4 TFLOPS FP16 vector
    assert a["telemetry"]["power"] == "hwmon power1_input"
    assert a["telemetry"]["temperature"] == "not reported by the hwmon"
    assert sysfs_gpus.SysfsGpu(a).sample()["power_w"] == 141.0


@pytest.mark.parametrize("name, driver, memory, energy_uj", [("intel_arc_a770_i915", "i915", None, 5_000_000_000),
                                                            ("intel_b580_xe", "xe", 12884901888, 900_000_000)])
def test_a_discrete_intel_gpu_is_listed_and_its_energy_counter_read(tmp_path, name, driver, memory, energy_uj):
    gpu = gpu_of(name, tmp_path)
    (a,) = gpu["accelerators"]
    assert a["vendor"] == "Intel" and a["kind"] == "intel" and a["discrete"] and a["driver"] == driver
    assert a["memory_total_bytes"] == memory and a["peak_fp32_flops"] is None and "sysfs" in a["peak_unknown"]
    assert a["telemetry"]["power"] == "hwmon energy1_input"
    assert a["telemetry"]["utilisation"].startswith("not measured (")
    s = sysfs_gpus.SysfsGpu(a).sample()
    assert s["energy_mj"] == energy_uj / 1000 and s["sm_clock_mhz"] in (2050, 2670)
    assert backend_choice.gpu_kind(machine(gpu, "Linux")) == "intel"


def test_an_intel_igpu_beside_an_nvidia_gpu_lists_both_and_the_nvidia_one_decides(tmp_path):
    gpu = gpu_of("intel_igpu_and_nvidia", tmp_path)
    names = [(a["vendor"], a["kind"], a["source"].split(" ")[0]) for a in gpu["accelerators"]]
    assert names == [("NVIDIA", "nvidia", "NVML"), ("Intel", "intel-integrated", "i915")]  # NVIDIA's once, by NVML
    assert gpu["accelerators"][1]["memory_kind"] == "shared with the CPU"
    assert backend_choice.gpu_kind(machine(gpu, "Linux")) == "nvidia-linux"
    # the iGPU's sysfs gives no live figure: no empty curve for it
    assert [a["vendor"] for a in core_accelerators.sampled(gpu["accelerators"])] == ["NVIDIA"]
    rows = dict(hardware_rows(machine(gpu, "Linux")))
    assert rows["GPU 1"] == "Intel GPU (PCI device 0x46a6, i915), memory shared with the CPU, driver i915"
    assert rows["GPU 1 telemetry"].startswith("utilisation: not measured (Intel's busyness is a perf PMU counter")


def test_an_nvidia_gpu_without_nvml_is_still_listed_and_says_why_nothing_is_measured(tmp_path):
    root, m = build("intel_igpu_and_nvidia", tmp_path)
    with nvml.Nvml(fake_pynvml([])) as nv:
        gpu = detect.gpu_info(nv, root=root, system="Linux", run=m["run"])
    nvidia = [a for a in gpu["accelerators"] if a["vendor"] == "NVIDIA"]
    assert len(nvidia) == 1 and "NVML unavailable" in nvidia[0]["name"]
    assert all(v.startswith("not measured (NVML") for v in nvidia[0]["telemetry"].values())


def test_apple_silicon_is_read_from_sysctl_and_system_profiler(tmp_path):
    gpu = gpu_of("apple_m2_max", tmp_path)
    (a,) = gpu["accelerators"]
    assert a["vendor"] == "Apple" and a["memory_kind"] == "unified" and a["memory_total_bytes"] == 64 << 30
    assert a["gpu_cores"] == 38 and a["runtime"] == "Metal 3" and a["name"] == "Apple M2 Max GPU, 38 cores"
    assert a["peak_fp32_flops"] / 1e12 == pytest.approx(13.68)  # Apple: 13.6 TFLOPS for the 38-core M2 Max
    rows = dict(hardware_rows(machine(gpu, "Darwin")))
    assert "power: not measured (needs root: powermetrics)" in rows["GPU 0 telemetry"]  # never a blank
    assert "utilisation: not measured (needs root: powermetrics)" in rows["GPU 0 telemetry"]
    assert backend_choice.gpu_kind(machine(gpu, "Darwin")) == "apple"
    (m4,) = gpu_of("apple_m4", tmp_path / "m4")["accelerators"]
    assert m4["peak_fp32_flops"] is None and "publishes no FP32 figure" in m4["peak_unknown"]


def test_windows_lists_what_it_reports_without_extra_installs(tmp_path):
    gpu = gpu_of("windows_radeon_and_basic", tmp_path)
    listed = [(a["vendor"], a["kind"], a["memory_total_bytes"]) for a in gpu["accelerators"]]
    # the 32-bit AdapterRAM cannot hold 24 GiB: unknown rather than 4 GiB; Microsoft's basic adapter is no GPU
    assert listed == [("AMD", "amd", None), ("Intel", "intel-integrated", 1 << 30)]
    assert backend_choice.gpu_kind(machine(gpu, "Windows")) == "amd"


def test_which_framework_drives_each_accelerator_is_read_from_the_installed_builds():
    amd = {"kind": "amd", "vendor": "AMD"}
    cpu_build = {"torch": "2.13.0+cpu", "tensorflow": "2.21.0", "jax": "0.10.2"}
    r = {x["framework"]: x for x in backend_choice.routes(amd, "Linux", version=cpu_build.get, dists=set)}
    assert r["PyTorch"]["route"] == "torch.cuda on HIP, a ROCm build"
    assert r["PyTorch"]["status"] == "installed, but this build (torch 2.13.0+cpu) has no such route"
    assert r["TensorFlow"]["route"] is None and r["TensorFlow"]["status"].startswith("cannot drive it")
    rocm = backend_choice.routes(amd, "Linux", version={"torch": "2.9.1+rocm6.4"}.get, dists=set)
    assert [x["status"] for x in rocm if x["framework"] == "PyTorch"] == ["installed (torch 2.9.1+rocm6.4)"]
    nv = {"kind": "nvidia"}
    jax_plain = backend_choice.routes(nv, "Linux", version={"jax": "0.10.2"}.get, dists=lambda: {"jax", "jaxlib"})
    jax_cuda = backend_choice.routes(nv, "Linux", version={"jax": "0.10.2"}.get,
                                     dists=lambda: {"jax", "jax-cuda13-plugin"})
    assert [x["status"] for x in jax_plain if x["framework"] == "JAX"][0].startswith("installed, but")
    assert [x["status"] for x in jax_cuda if x["framework"] == "JAX"] == ["installed (jax 0.10.2)"]


def test_the_sampler_reads_sysfs_gpus_and_their_energy_counter(tmp_path):
    from dlbench_gui.core.measure.energy import energy_of

    root, _ = build("intel_b580_xe", tmp_path)
    s = Sampler(interval_s=0.05, gpus_nvml=nvml.Nvml(fake_pynvml([])), sysfs_root=root)
    s.mark(phase="training", epoch=1)
    first = s.sample_once()
    (tmp_path / "class/drm/card1/device/hwmon/hwmon4/energy1_input").write_text("960000000\n")  # +60 J
    sampled = time.monotonic()  # a sample's time is kept to the millisecond: two within one span no time, and no
    wait_until(lambda: time.monotonic() - sampled >= 0.002, poll_s=0.001)  # energy is counted over them
    second = s.sample_once()
    assert first["gpus"][0]["energy_mj"] == 900_000 and second["gpus"][0]["energy_mj"] == 960_000
    assert s.gpu_energy_sources == ["Intel GPU's hwmon energy1_input"] and s.gpu_energy_reason is None
    assert s.summary()["gpus"][0]["energy_j"] == pytest.approx(60.0)
    # energy per epoch where a counter exists: the report's `energy` names the Intel card's counter
    e = energy_of(s.samples, epochs=1, estimate=None, cpu_source=None, cpu_reason="no RAPL here",
                  gpu_reason=s.gpu_energy_reason, gpu_sources=s.gpu_energy_sources)
    assert e["source"].startswith("Intel GPU's hwmon energy1_input of GPU 0") and e["total_j"] >= 60.0


def test_this_machine_has_an_empty_list_with_its_reason_and_no_framework_in_its_words():
    hw = detect.detect()
    gpu = hw["gpu"]
    if gpu["accelerators"]:
        pytest.skip("this machine has an accelerator")
    assert gpu["accelerators_reason"].startswith("none found: no NVIDIA GPU (NVML: ")
    text = "\n".join(detect.summary_lines(hw))
    assert gpu["accelerators_reason"] in text
    assert not any(f in text for f in ("TensorFlow", "JAX", "PyTorch"))


def test_a_report_from_before_the_list_still_reads_its_nvidia_gpus():
    old = {"nvidia": [{"index": 0, "name": "NVIDIA GeForce RTX 3090", "memory_total_bytes": 24 << 30,
                       "driver_version": "560.35.03", "cuda_driver_version": "12.6", "peak_fp32_flops": 35.6e12,
                       "peak_method": "2 x CUDA cores x max SM clock (FMA)"}], "nvml_error": None}
    (a,) = core_accelerators.of(old)
    assert a["vendor"] == "NVIDIA" and a["runtime"] == "CUDA 12.6" and a["index"] == 0
    rows = dict(hardware_rows({"gpu": old}))
    assert rows["GPU 0"] == "NVIDIA GeForce RTX 3090, 24.0 GiB dedicated, driver 560.35.03, CUDA 12.6"
    assert rows["GPU 0 peak"].startswith("35.6 TFLOPS FP32")


def fake_amdsmi(answers: dict):
    """An amdsmi stand-in answering as the recorded machine's amdsmi did ("N/A" raises, as a failed read does)."""
    import types

    m = types.SimpleNamespace(AmdSmiClkType=types.SimpleNamespace(GFX=0),
                              AmdSmiTemperatureType=types.SimpleNamespace(EDGE="edge", HOTSPOT="hotspot"),
                              AmdSmiTemperatureMetric=types.SimpleNamespace(CURRENT=0))
    m.amdsmi_get_processor_handles = lambda: ["h0"]
    m.amdsmi_get_gpu_asic_info = lambda h: answers["asic_info"]
    m.amdsmi_get_gpu_vram_info = lambda h: answers["vram_info"]
    m.amdsmi_get_gpu_driver_info = lambda h: answers["driver_info"]
    m.amdsmi_get_clock_info = lambda h, kind: answers["clock_info"]
    m.amdsmi_get_gpu_activity = lambda h: answers["activity"]
    m.amdsmi_get_gpu_vram_usage = lambda h: answers["vram_usage"]
    m.amdsmi_get_power_info = lambda h: answers["power_info"]
    m.amdsmi_get_energy_count = lambda h: answers["energy_count"]

    def temp(h, sensor, metric):
        value = answers[f"temp_{sensor}"]
        if value == "N/A":
            raise RuntimeError("AMDSMI_STATUS_NOT_SUPPORTED")
        return value

    m.amdsmi_get_temp_metric = temp
    return m


def test_where_amdsmi_works_it_reads_the_amd_gpu_instead_of_sysfs(tmp_path):
    from dlbench_gui.hardware.amdsmi_gpus import AmdSmi

    root, m = build("amd_mi300x_amdsmi", tmp_path)
    smi = AmdSmi(fake_amdsmi(MACHINES["amd_mi300x_amdsmi"]["amdsmi"]))
    with nvml.Nvml(fake_pynvml([])) as nv:
        gpu = detect.gpu_info(nv, root=root, system="Linux", run=m["run"], amd=smi)
    (a,) = gpu["accelerators"]  # once: amdsmi's, not also sysfs's
    assert (a["source"], a["name"], a["runtime"], a["driver_version"]) == (
        "amdsmi", "AMD Instinct MI300X", "gfx942", "6.10.5")
    assert a["memory_total_bytes"] == 196592 << 20
    assert a["peak_fp32_flops"] / 1e12 == pytest.approx(81.7, abs=0.05)  # the same figure as KFD's, by CUs
    s = Sampler(interval_s=0.05, gpus_nvml=nvml.Nvml(fake_pynvml([])), sysfs_root=root, amd_smi=smi)
    (g,) = s.sample_once()["gpus"]
    assert (g["util_percent"], g["power_w"], g["temperature_c"]) == (100.0, 735.0, 72.0)  # hotspot: no edge sensor
    assert g["vram_used_bytes"] == 180224 << 20 and g["energy_mj"] == pytest.approx(15259.0)
    assert s.gpu_energy_sources == ["amdsmi energy counter"]


def test_without_rocms_library_amdsmi_is_skipped_and_says_why():
    from dlbench_gui.hardware.amdsmi_gpus import AmdSmi

    smi = AmdSmi()
    assert smi.static_info() == [] and smi.handles() == []
    assert smi.error in ("amdsmi is not installed",) or smi.error.startswith("amdsmi unusable: ")
