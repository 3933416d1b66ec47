"""AMD and Intel GPUs on Linux through the kernel's own files, readable without root and without ROCm or oneAPI
installed: what each GPU is (detection) and what it does while a run trains (telemetry).

Sources (the files' formats as the kernel documents them):
- amdgpu: Documentation/gpu/amdgpu/driver-misc.rst and thermal.rst: `product_name`, `mem_info_vram_total`/`_used`
  (bytes), `gpu_busy_percent`, the hwmon's `power1_average` (microwatts; `power1_input` on newer parts) and
  `temp1_input` (millidegrees C). The compute units and clock come from the KFD topology
  (/sys/class/kfd/kfd/topology/nodes/N/properties: `simd_count`, `max_engine_clk_fcompute` in MHz,
  `gfx_target_version`, `drm_render_minor`; ROCm's "KFD Topology" documentation).
- i915: Documentation/gpu/i915.rst and ABI/testing/sysfs-driver-intel-i915-hwmon: `gt_max_freq_mhz`,
  `gt_act_freq_mhz`, hwmon `energy1_input` (microjoules); discrete parts only have the hwmon.
- xe: ABI/testing/sysfs-driver-intel-xe-hwmon and xe_tile_sysfs.c: `tile0/physical_vram_size_bytes`,
  `tile0/gt0/freq0/max_freq` and `act_freq` (MHz), hwmon `energy1_input` (microjoules).
Every read is tolerant: a file that is missing or unreadable is None, and the panel says why."""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

PCI_VENDORS = {"0x1002": "AMD", "0x8086": "Intel", "0x10de": "NVIDIA"}
# FP32 FLOPs per clock of one SIMD as KFD counts them: GCN and CDNA (gfx9) have 16-lane SIMDs, RDNA (gfx10 and later)
# 32-lane ones; an FMA is two FLOPs. RDNA 3's dual issue and the matrix cores are not counted.
_AMD_FLOPS_PER_SIMD = {9: 32, 10: 64, 11: 64, 12: 64}


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip() or None
    except OSError:
        return None


def _int(path: Path) -> int | None:
    text = _text(path)
    try:
        return int(text, 0) if text is not None else None
    except ValueError:
        return None


def _hwmon(device: Path) -> Path | None:
    found = sorted(device.glob("hwmon/hwmon*"))
    return found[0] if found else None


def drm_cards(root: str = "/sys") -> list[tuple[Path, str, str]]:
    """(device directory, vendor, kernel driver) of each GPU the DRM subsystem lists, once per PCI device."""
    out, seen = [], set()
    for card in sorted(glob.glob(os.path.join(root, "class/drm/card[0-9]*"))):
        if "-" in os.path.basename(card):  # card0-DP-1 and the like are connectors
            continue
        device = Path(card) / "device"
        vendor = PCI_VENDORS.get((_text(device / "vendor") or "").lower())
        real = os.path.realpath(device)
        if vendor is None or real in seen:
            continue
        seen.add(real)
        driver = os.path.basename(os.readlink(device / "driver")) if (device / "driver").is_symlink() else ""
        out.append((device, vendor, driver))
    return out


def kfd_nodes(root: str = "/sys") -> dict[int, dict[str, int]]:
    """The KFD topology's GPU nodes by DRM render minor: their `properties` as numbers."""
    nodes = {}
    for props in glob.glob(os.path.join(root, "class/kfd/kfd/topology/nodes/*/properties")):
        values = {}
        for line in (_text(Path(props)) or "").splitlines():
            key, _, value = line.partition(" ")
            if value.strip().lstrip("-").isdigit():
                values[key] = int(value)
        if values.get("simd_count") and "drm_render_minor" in values:
            nodes[values["drm_render_minor"]] = values
    return nodes


def _render_minor(device: Path) -> int | None:
    for render in device.glob("drm/renderD*"):
        return int(render.name[len("renderD"):])
    return None


def amd_peak(kfd: dict[str, int] | None) -> dict[str, Any]:
    """FP32 and packed-FP16 peaks from KFD's SIMD count and compute clock, or the reason there is none."""
    if not kfd:
        return {"peak_fp32_flops": None, "peak_half_flops": None, "peak_method": None,
                "peak_unknown": "no KFD topology node (the amdkfd driver is not loaded)"}
    major = kfd.get("gfx_target_version", 0) // 10000
    per_simd = _AMD_FLOPS_PER_SIMD.get(major)
    simds, clock = kfd.get("simd_count"), kfd.get("max_engine_clk_fcompute")
    if not (per_simd and simds and clock):
        return {"peak_fp32_flops": None, "peak_half_flops": None, "peak_method": None,
                "peak_unknown": f"gfx{major} is not a generation whose SIMD width is known here"}
    fp32 = simds * per_simd * clock * 1e6
    return {"peak_fp32_flops": fp32, "peak_half_flops": 2 * fp32,
            "peak_method": f"{simds} SIMDs x {per_simd} FLOPs/clock x {clock} MHz, from the KFD topology; FP16 "
                           "packed, matrix cores not counted",
            "peak_unknown": None}


def gfx_name(version: int | None) -> str | None:
    """KFD's gfx_target_version as LLVM names the target: 90402 → gfx942, 110000 → gfx1100."""
    if not version:
        return None
    return f"gfx{version // 10000}{(version // 100) % 100:x}{version % 100:x}"


def amd_gpu(device: Path, kfd: dict[int, dict[str, int]], root: str = "/sys") -> dict[str, Any]:
    node = kfd.get(_render_minor(device) or -1)
    vram = _int(device / "mem_info_vram_total")
    # an APU whose KFD node also lists CPU cores: its "VRAM" is a carve-out of system memory
    apu = node is not None and node.get("cpu_cores_count", 0) > 0
    hw = _hwmon(device)
    telemetry = {
        "utilisation": "gpu_busy_percent" if (device / "gpu_busy_percent").exists() else "not reported by this amdgpu",
        "memory in use": "mem_info_vram_used" if (device / "mem_info_vram_used").exists() else "not reported",
        "power": _first_present(hw, ("power1_average", "power1_input")) or "not reported by the hwmon",
        "temperature": "hwmon temp1_input" if hw and (hw / "temp1_input").exists() else "not reported by the hwmon",
    }
    return {"vendor": "AMD", "kind": "amd", "discrete": not apu,
            "name": _text(device / "product_name") or f"AMD GPU (PCI device {_text(device / 'device') or '?'})",
            "memory_total_bytes": vram, "memory_kind": "shared with the CPU" if apu else "dedicated",
            "driver": "amdgpu", "driver_version": _text(Path(root, "module/amdgpu/version")),
            "runtime": gfx_name(node.get("gfx_target_version")) if node else None,
            "source": f"amdgpu sysfs ({device})", "sysfs": str(device), "telemetry": telemetry,
            **amd_peak(node)}


def intel_gpu(device: Path, driver: str) -> dict[str, Any]:
    card = device.parent if device.name == "device" else device
    xe = driver == "xe"
    vram = _int(device / "tile0/physical_vram_size_bytes") if xe else None
    hw = _hwmon(device)
    # i915's discrete cards (Arc, Flex) and every xe card with VRAM carry a hwmon; integrated parts share memory
    discrete = bool(vram) or (driver == "i915" and hw is not None)
    max_clock = _int(device / "tile0/gt0/freq0/max_freq") if xe else _int(card / "gt_max_freq_mhz")
    energy = "hwmon energy1_input" if hw and (hw / "energy1_input").exists() else None
    telemetry = {
        "utilisation": "not measured (Intel's busyness is a perf PMU counter: it needs CAP_PERFMON)",
        "memory in use": "not measured (the driver reports no use of its memory in sysfs)",
        "power": energy or "not measured (no hwmon energy counter: integrated GPUs count in the CPU package's RAPL)",
        "temperature": "not measured (the driver's hwmon reports none)",
    }
    return {"vendor": "Intel", "kind": "intel" if discrete else "intel-integrated", "discrete": discrete,
            "name": f"Intel GPU (PCI device {_text(device / 'device') or '?'}, {driver or 'no driver'})",
            "memory_total_bytes": vram, "memory_kind": "dedicated" if discrete else "shared with the CPU",
            "driver": driver or None, "driver_version": None, "runtime": None, "max_clock_mhz": max_clock,
            "source": f"{driver or 'drm'} sysfs ({device})", "sysfs": str(device), "telemetry": telemetry,
            "peak_fp32_flops": None, "peak_half_flops": None, "peak_method": None,
            "peak_unknown": "the execution-unit count is not in sysfs (only the driver's query ioctl has it)"}


def _first_present(hw: Path | None, names: tuple[str, ...]) -> str | None:
    for name in names:
        if hw is not None and (hw / name).exists():
            return f"hwmon {name}"
    return None


class SysfsGpu:
    """Telemetry of one AMD or Intel GPU from its sysfs files, in the keys NVML's samples use."""

    def __init__(self, accelerator: dict[str, Any]):
        self.device = Path(accelerator["sysfs"])
        self.vendor = accelerator["vendor"]
        self.hwmon = _hwmon(self.device)
        self.total = accelerator.get("memory_total_bytes")
        self.has_energy = self.hwmon is not None and (self.hwmon / "energy1_input").exists()

    def sample(self) -> dict[str, Any]:
        hw, d = self.hwmon, self.device
        power_uw = (_int(hw / "power1_average") or _int(hw / "power1_input")) if hw else None
        energy_uj = _int(hw / "energy1_input") if hw else None
        temp = _int(hw / "temp1_input") if hw else None
        clock = _int(d / "tile0/gt0/freq0/act_freq") or _int(d.parent / "gt_act_freq_mhz")
        return {"util_percent": _int(d / "gpu_busy_percent"), "mem_util_percent": None,
                "vram_used_bytes": _int(d / "mem_info_vram_used"), "vram_total_bytes": self.total,
                "temperature_c": temp / 1000 if temp is not None else None,
                "power_w": power_uw / 1e6 if power_uw is not None else None,
                "energy_mj": energy_uj / 1000 if energy_uj is not None else None,
                "sm_clock_mhz": clock, "throttle_reasons": None}


def detect(root: str = "/sys", skip_nvidia: bool = True, skip_amd: bool = False) -> list[dict[str, Any]]:
    """The AMD and Intel GPUs (and, where NVML sees none, the NVIDIA ones; where amdsmi reads the AMD ones, not those)
    that the kernel lists."""
    kfd = kfd_nodes(root)
    out = []
    for device, vendor, driver in drm_cards(root):
        if vendor == "AMD" and not skip_amd:
            out.append(amd_gpu(device, kfd, root))
        elif vendor == "Intel":
            out.append(intel_gpu(device, driver))
        elif vendor == "NVIDIA" and not skip_nvidia:
            out.append(nvidia_without_nvml(device, driver))
    return out


def nvidia_without_nvml(device: Path, driver: str) -> dict[str, Any]:
    unread = "not measured (NVML, the NVIDIA driver's library, is not usable here)"
    return {"vendor": "NVIDIA", "kind": "nvidia", "discrete": True,
            "name": f"NVIDIA GPU (PCI device {_text(device / 'device') or '?'}; NVML unavailable)",
            "memory_total_bytes": None, "memory_kind": "dedicated", "driver": driver or None, "driver_version": None,
            "runtime": None, "source": f"drm sysfs ({device})",
            "telemetry": {k: unread for k in ("utilisation", "memory in use", "power", "temperature")},
            "peak_fp32_flops": None, "peak_half_flops": None, "peak_method": None,
            "peak_unknown": "NVML is needed to read the core count and clock"}
