"""NVIDIA GPUs through nvidia-ml-py: initialised lazily, every query tolerant of NotSupported and absence."""

from __future__ import annotations

import threading
from typing import Any, Callable

_lock = threading.Lock()
_state: dict[str, Any] = {"ready": None, "error": None, "nvml": None}

# FP32 CUDA cores per SM by compute capability major.minor (NVIDIA CUDA programming guide, arithmetic throughput).
_CORES_PER_SM = {(6, 0): 64, (6, 1): 128, (6, 2): 128, (7, 0): 64, (7, 2): 64, (7, 5): 64, (8, 0): 64,
                 (8, 6): 128, (8, 7): 128, (8, 9): 128, (9, 0): 128, (10, 0): 128, (12, 0): 128}


def _init() -> Any | None:
    """The pynvml module when NVML is usable, else None (and the reason kept in `error()`)."""
    with _lock:
        if _state["ready"] is not None:
            return _state["nvml"] if _state["ready"] else None
        try:
            import pynvml

            pynvml.nvmlInit()
            _state.update(ready=True, nvml=pynvml)
            return pynvml
        except Exception as exc:  # ImportError, NVMLError_LibraryNotFound, DriverNotLoaded, ...
            _state.update(ready=False, error=f"{type(exc).__name__}: {exc}")
            return None


def error() -> str | None:
    _init()
    return _state["error"]


def _q(fn: Callable[[], Any]) -> Any:
    try:
        value = fn()
    except Exception:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def device_count() -> int:
    nv = _init()
    return (_q(nv.nvmlDeviceGetCount) or 0) if nv else 0


def handles() -> list[Any]:
    nv = _init()
    if not nv:
        return []
    return [h for h in (_q(lambda i=i: nv.nvmlDeviceGetHandleByIndex(i)) for i in range(device_count())) if h is not None]


def static_info() -> list[dict[str, Any]]:
    """Name, memory, driver, CUDA, compute capability, PCIe, power limit, clocks — per GPU."""
    nv = _init()
    if not nv:
        return []
    driver = _q(nv.nvmlSystemGetDriverVersion)
    cuda = _q(nv.nvmlSystemGetCudaDriverVersion_v2) or _q(nv.nvmlSystemGetCudaDriverVersion)
    cuda_text = f"{cuda // 1000}.{(cuda % 1000) // 10}" if isinstance(cuda, int) else None
    out = []
    for i, h in enumerate(handles()):
        mem = _q(lambda: nv.nvmlDeviceGetMemoryInfo(h))
        cc = _q(lambda: nv.nvmlDeviceGetCudaComputeCapability(h))
        power_limit = _q(lambda: nv.nvmlDeviceGetPowerManagementLimit(h))
        sm_clock = _q(lambda: nv.nvmlDeviceGetMaxClockInfo(h, nv.NVML_CLOCK_SM))
        cores = _q(lambda: nv.nvmlDeviceGetNumGpuCores(h))
        # Without a core count from NVML the SM count and the peak stay unknown.
        sm_count = cores // _CORES_PER_SM[tuple(cc)] if cores and cc and tuple(cc) in _CORES_PER_SM else None
        peak = 2.0 * cores * sm_clock * 1e6 if cores and sm_clock else None
        out.append({
            "index": i,
            "name": _q(lambda: nv.nvmlDeviceGetName(h)),
            "uuid": _q(lambda: nv.nvmlDeviceGetUUID(h)),
            "memory_total_bytes": getattr(mem, "total", None),
            "driver_version": driver,
            "cuda_driver_version": cuda_text,
            "compute_capability": f"{cc[0]}.{cc[1]}" if cc else None,
            "pcie_generation": _q(lambda: nv.nvmlDeviceGetCurrPcieLinkGeneration(h)),
            "pcie_max_generation": _q(lambda: nv.nvmlDeviceGetMaxPcieLinkGeneration(h)),
            "pcie_width": _q(lambda: nv.nvmlDeviceGetCurrPcieLinkWidth(h)),
            "pcie_max_width": _q(lambda: nv.nvmlDeviceGetMaxPcieLinkWidth(h)),
            "power_limit_w": power_limit / 1000 if power_limit else None,
            "max_sm_clock_mhz": sm_clock,
            "max_memory_clock_mhz": _q(lambda: nv.nvmlDeviceGetMaxClockInfo(h, nv.NVML_CLOCK_MEM)),
            "cuda_cores": cores,
            "sm_count": sm_count,
            "peak_fp32_flops": peak,
            "peak_method": "2 x CUDA cores x max SM clock (FMA)" if peak else None,
        })
    return out


def sample(h) -> dict[str, Any]:
    """One telemetry reading of one GPU; None for whatever the device does not report."""
    nv = _init()
    if not nv:
        return {}
    util = _q(lambda: nv.nvmlDeviceGetUtilizationRates(h))
    mem = _q(lambda: nv.nvmlDeviceGetMemoryInfo(h))
    power = _q(lambda: nv.nvmlDeviceGetPowerUsage(h))
    energy = _q(lambda: nv.nvmlDeviceGetTotalEnergyConsumption(h))
    reasons = _q(lambda: nv.nvmlDeviceGetCurrentClocksEventReasons(h))
    if reasons is None:
        reasons = _q(lambda: nv.nvmlDeviceGetCurrentClocksThrottleReasons(h))
    return {
        "util_percent": getattr(util, "gpu", None),
        "mem_util_percent": getattr(util, "memory", None),
        "vram_used_bytes": getattr(mem, "used", None),
        "vram_total_bytes": getattr(mem, "total", None),
        "temperature_c": _q(lambda: nv.nvmlDeviceGetTemperature(h, nv.NVML_TEMPERATURE_GPU)),
        "power_w": power / 1000 if power is not None else None,
        "energy_mj": energy,
        "sm_clock_mhz": _q(lambda: nv.nvmlDeviceGetClockInfo(h, nv.NVML_CLOCK_SM)),
        "throttle_reasons": throttle_words(reasons),
    }


_last_seen: dict[Any, int] = {}  # handle -> the newest NVML process-utilisation timestamp read


def other_util_percent(h, own_pids: set[int]) -> float | None:
    """SM utilisation (%) that processes other than `own_pids` had on this GPU since the last call, from NVML's
    per-process utilisation samples; None where the driver does not report them."""
    nv = _init()
    if not nv:
        return None
    try:
        samples = nv.nvmlDeviceGetProcessUtilization(h, _last_seen.get(h, 0))
    except Exception as exc:  # NotFound: no process ran on it since the last read; NotSupported: not reported
        return 0.0 if type(exc).__name__ == "NVMLError_NotFound" else None
    others: dict[int, list[float]] = {}
    for p in samples:
        ts = getattr(p, "timeStamp", 0) or 0
        _last_seen[h] = max(_last_seen.get(h, 0), int(ts))
        if getattr(p, "pid", None) not in own_pids and isinstance(getattr(p, "smUtil", None), (int, float)):
            others.setdefault(p.pid, []).append(float(p.smUtil))
    return min(100.0, sum(sum(v) / len(v) for v in others.values()))


def throttle_words(mask: int | None) -> list[str] | None:
    if mask is None:
        return None
    names = {0x2: "application clocks", 0x4: "software power cap", 0x8: "hardware slowdown", 0x20: "software thermal",
             0x40: "hardware thermal", 0x80: "power brake", 0x100: "display clock"}
    return [word for bit, word in names.items() if mask & bit]
